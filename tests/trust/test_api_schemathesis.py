"""Schemathesis against /api/v1/openapi.json: bounded examples, zero 5xx, every 4xx in the envelope.

Every operation gets generated requests, valid (positive) and invalid (negative) by the
schema, sent with a real enrolled tablet's token to the real app and database. Checks: no
server error, every 4xx is the JSON envelope {"error": {"code", "message", "fields"}}, and
the status codes are the documented ones.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error, status_code_conformance
from schemathesis.generation import GenerationMode

from tests.sync.conftest import PROTO

EXAMPLES = 30


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def device_token(db, enrolled, make_office, make_host):
    office = make_office()
    make_host(office)
    _, token = enrolled(office)
    return token


def assert_envelope(response):
    body = response.json()
    assert "error" in body, body
    error = body["error"]
    assert isinstance(error.get("code"), str) and error["code"], body
    assert isinstance(error.get("message"), str) and error["message"], body
    assert isinstance(error.get("fields"), dict), body


def operations(api_schema):
    found = [result.ok() for result in api_schema.get_all_operations()]
    assert len(found) >= 6, "the API documents its operations"
    return found


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_never_fails_and_answers_every_error_in_the_envelope(api_schema, device_token, mode):
    headers = {**PROTO, "Authorization": f"Bearer {device_token}"}
    seen = {}

    for operation in operations(api_schema):
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case):
            generated = case.headers or {}
            if mode == GenerationMode.POSITIVE:  # a valid request from the real tablet
                sent = {**generated, **headers}
            else:  # whatever was generated, wrong tokens and versions included
                sent = {**headers, **generated}
            response = case.call(headers=sent)
            # check() runs below, within this iteration: `operation` is this loop's.
            seen.setdefault(operation.label, set()).add(response.status_code)  # noqa: B023
            assert response.status_code < 500, (case.as_curl_command(), response.text[:300])
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance])
            if 400 <= response.status_code < 500 and case.method.upper() != "HEAD":
                content_type = {k.lower(): v for k, v in response.headers.items()}.get("content-type", "")
                content_type = content_type[0] if isinstance(content_type, list) else content_type
                assert content_type.startswith("application/json"), \
                    (case.method, case.path, response.status_code, dict(response.headers), response.text[:200])
                assert_envelope(response)

        try:
            check()
        except Unsatisfiable:  # nothing in this operation can be made invalid (e.g. GET /time)
            assert mode == GenerationMode.NEGATIVE, operation.label
    assert len(seen) >= (6 if mode == GenerationMode.POSITIVE else 4), seen
