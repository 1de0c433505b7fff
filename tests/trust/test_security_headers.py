"""Security headers, the CSP, request size limits and no stack traces to clients."""
from server.security import content_security_policy


def test_every_page_sends_strict_security_headers(client):
    response = client.get("/login")
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "default-src 'self'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["Cache-Control"] == "no-store"


def test_api_errors_carry_the_same_headers(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["Content-Security-Policy"] == content_security_policy()
    assert response.get_json()["error"]["code"]


def test_only_the_desk_app_may_use_the_camera(client):
    response = client.get("/app/")
    assert "camera=(self)" in response.headers["Permissions-Policy"]
    assert "camera=()" in client.get("/login").headers["Permissions-Policy"]


def test_hsts_is_sent_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://sitamu.example.go.id")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_oversized_request_is_refused_with_413_envelope(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/api/v1/push", data=b"x" * (limit + 1),
                           headers={"Content-Type": "application/json", "X-Sitamu-Protocol": "1"})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"]


def test_unexpected_error_shows_no_stack_trace(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/_trust_boom")
    def _boom():
        raise RuntimeError("secret internals 3171234567890001")

    client = app.test_client()
    with app.app_context():
        response = client.get("/_trust_boom")
        json_response = client.get("/_trust_boom", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert b"Traceback" not in response.data and b"secret internals" not in response.data
    assert json_response.status_code == 500
    assert json_response.get_json()["error"]["code"] == "internal_error"
    assert b"secret internals" not in json_response.data


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/sitamu.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    response.close()
