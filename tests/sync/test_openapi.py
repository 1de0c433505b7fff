"""The OpenAPI document against the running API: never a 5xx, every 4xx in the envelope,
every 2xx shaped as documented (schemathesis strategies, property-based)."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.api.operations import create_enrollment_code, enroll_device


@pytest.fixture
def api(app, db, make_office, make_host):
    """Return (schema, bearer token) for the app's own OpenAPI document."""
    office = make_office()
    make_host(office)
    code, _ = create_enrollment_code(office, None, "Schemathesis")
    _, token = enroll_device(code, "Schemathesis")
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app), token


def test_openapi_document_names_every_api_route(app, api):
    schema, _ = api
    documented = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
            path = rule.rule.removeprefix("/api/v1").replace("<sha>", "{sha}")
            for method in rule.methods - {"OPTIONS"} - ({"HEAD"} if "GET" in rule.methods else set()):
                assert (method, path) in documented, (method, path)


def test_the_documented_pull_cursor_takes_any_length_the_server_answers_with_reset(client, db, tablet_for):
    """The server reads any cursor it cannot parse, however long, as a reset: the document
    must not promise a 400 (or a length limit) for a long one."""
    document = client.get("/api/v1/openapi.json").get_json()
    cursor = next(p for p in document["paths"]["/pull"]["get"]["parameters"] if p.get("name") == "cursor")
    assert "maxLength" not in cursor["schema"]
    tablet = tablet_for()
    for length in (201, 4000):
        response = client.get("/api/v1/pull", query_string={"cursor": "c." + "9" * length}, headers=tablet.headers)
        assert response.status_code == 200 and response.json["reset"] is True

@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_api_never_fails_and_always_answers_in_the_documented_shape(api, mode):
    schema, token = api
    from schemathesis import GenerationMode

    strategies = [op.ok().as_strategy(generation_mode=GenerationMode(mode))
                  for op in schema.get_all_operations()]

    @given(case=st.one_of(strategies))
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        # The WSGI transport does not gunzip; gzip itself is tested in test_push.
        response = case.call(headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"})
        assert response.status_code < 500, (case.method, case.path, response.text[:300])
        if 400 <= response.status_code < 500 and case.method != "HEAD":
            assert set(response.json()["error"]) == {"code", "message", "fields"}
        if response.status_code < 300 and case.method != "HEAD":
            case.validate_response(response, checks=[schemathesis.checks.response_schema_conformance])

    check()
