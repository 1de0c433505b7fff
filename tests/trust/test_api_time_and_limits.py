"""Every answer under /api/v1 tells the server time; every 429 says when to come back."""
import re

import pytest

from tests.sync.conftest import PROTO

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def assert_server_time(response):
    assert ISO_MS.match(response.headers.get("X-Server-Time", "")), response.headers
    body = response.get_json()
    assert ISO_MS.match(body.get("server_time", "")), body
    assert set(body["error"]) == {"code", "message", "fields"}


@pytest.mark.parametrize("method, path, status", [
    ("get", "/api/v1/nope", 404),
    ("get", "/api/v1/", 404),
    ("delete", "/api/v1/push", 405),
    ("get", "/api/v1/guests/lookup", 405),
    ("put", "/api/v1/time", 405),
])
def test_unrouted_api_requests_carry_the_server_time(client, method, path, status):
    response = getattr(client, method)(path, headers=PROTO)
    assert response.status_code == status
    assert_server_time(response)
    if status == 405:
        assert response.headers["Allow"]


@pytest.mark.parametrize("path", ["/api/v1/push", "/api/v1/nope", "/api/v1/blobs/" + "a" * 64])
def test_a_body_over_the_request_limit_is_too_large_on_any_api_path(app, client, path):
    body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(path, data=body, headers={**PROTO, "Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert_server_time(response)

def test_pages_outside_the_api_do_not_get_the_api_clock(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "X-Server-Time" not in response.headers


def test_guest_lookup_over_its_limit_answers_429_with_the_server_time(limited_app, make_office):
    from server.api.operations import create_enrollment_code, enroll_device

    office = make_office()
    token = enroll_device(create_enrollment_code(office, None, "Meja A")[0], "Meja A")[1]
    client = limited_app.test_client()
    headers = {**PROTO, "Authorization": f"Bearer {token}"}
    statuses = [client.post("/api/v1/guests/lookup", json={"protocol": 1, "id_number": "6171014506900001"},
                            headers=headers).status_code for _ in range(31)]
    assert statuses[-1] == 429
    limited = client.post("/api/v1/guests/lookup", json={"protocol": 1, "id_number": "6171014506900001"},
                          headers=headers)
    assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    assert_server_time(limited)
    assert "6171014506900001" not in limited.get_data(as_text=True)


def test_enrolment_lockout_answers_429_with_retry_after(limited_app):
    client = limited_app.test_client()
    lockout = limited_app.extensions["sitamu_lockout"]
    try:
        for _ in range(10):
            wrong = client.post("/api/v1/enroll", json={"protocol": 1, "code": "AAA-BBB-CCC"}, headers=PROTO)
            assert wrong.status_code == 400
        locked = client.post("/api/v1/enroll", json={"protocol": 1, "code": "AAA-BBB-CCC"}, headers=PROTO)
        assert locked.status_code == 429 and locked.get_json()["error"]["code"] == "rate_limited"
        # The lock lasts the rest of its hour window: a client told when may wait instead of hammering.
        assert 1 <= int(locked.headers["Retry-After"]) <= 3601
        assert_server_time(locked)
    finally:
        with limited_app.app_context():
            lockout.success("enroll", "127.0.0.1")
