"""Rate limits (Flask-Limiter) and failure lockouts on login, enrolment and PINs."""
from server.security import Lockout


def test_login_is_rate_limited_per_client(limited_app, make_user):
    user = make_user("office_admin")
    client = limited_app.test_client()
    statuses = [client.post("/login", data={"username": user.username, "password": "wrong"}).status_code
                for _ in range(25)]
    assert statuses[0] == 401
    assert 429 in statuses
    limited = client.post("/login", data={"username": user.username, "password": "wrong"})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1


def test_login_locks_the_account_after_five_wrong_passwords(client, make_user):
    user = make_user("office_admin")
    for _ in range(5):
        assert client.post("/login", data={"username": user.username, "password": "x"}).status_code == 401
    # The right password no longer works while the account is locked.
    response = client.post("/login", data={"username": user.username, "password": "password123"})
    assert response.status_code == 401
    assert "terkunci" in response.get_data(as_text=True)


def test_lockout_locks_a_key_after_its_failures_and_success_clears_it():
    lockout = Lockout("memory://")
    for _ in range(4):
        assert lockout.failure("pin", 7) is False
        assert not lockout.is_locked("pin", 7)
    assert lockout.failure("pin", 7) is True
    assert lockout.is_locked("pin", 7)
    assert not lockout.is_locked("pin", 8), "another staff member is not locked"
    assert not lockout.is_locked("enroll", 7), "another scope is not locked"
    lockout.success("pin", 7)
    assert not lockout.is_locked("pin", 7)


def test_lockout_is_shared_through_redis_when_configured():
    import uuid

    import redis

    uri = "redis://127.0.0.1:6379/15"
    redis.Redis.from_url(uri).ping()
    key = uuid.uuid4().hex
    first, second = Lockout(uri), Lockout(uri)  # two workers
    for _ in range(5):
        first.failure("pin", key)
    assert second.is_locked("pin", key)
    second.success("pin", key)
    assert not first.is_locked("pin", key)


def _enroll(client, code):
    return client.post("/api/v1/enroll", json={"protocol": 1, "code": code, "device_name": "Meja",
                                               "app_version": "1"}, headers={"X-Sitamu-Protocol": "1"})


def test_enrolment_locks_out_a_client_after_ten_wrong_codes(limited_app, make_office, make_user):
    from server.api.operations import create_enrollment_code
    from server.extensions import db

    office = make_office()
    code, _ = create_enrollment_code(office, make_user("office_admin", office), "Meja")
    db.session.commit()
    client = limited_app.test_client()
    for _ in range(10):
        wrong = _enroll(client, "AAA-BBB-CCC")
        assert wrong.status_code == 400 and wrong.get_json()["error"]["code"] == "invalid_code"
    locked = _enroll(client, code)
    assert locked.status_code == 429
    assert locked.get_json()["error"]["code"] == "rate_limited"
    # The right code was not used up by the refused attempt: it works once the lock is lifted.
    from server.security import Lockout
    limited_app.extensions["sitamu_lockout"].success("enroll", "127.0.0.1")
    assert isinstance(limited_app.extensions["sitamu_lockout"], Lockout)
    assert _enroll(client, code).status_code == 201


def test_enrolment_is_rate_limited_with_the_json_envelope(limited_app):
    client = limited_app.test_client()
    statuses = [client.post("/api/v1/enroll", json={"protocol": 1}, headers={"X-Sitamu-Protocol": "1"}).status_code
                for _ in range(21)]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429
    limited = client.post("/api/v1/enroll", json={"protocol": 1}, headers={"X-Sitamu-Protocol": "1"})
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1


def test_lockout_is_off_only_where_rate_limits_are_off(app, limited_app):
    assert app.extensions["sitamu_lockout"].enabled is False  # the test suite's main app
    assert limited_app.extensions["sitamu_lockout"].enabled is True


def test_behind_a_proxy_each_client_is_limited_on_its_own(make_app, make_user):
    from server.extensions import limiter

    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", SITAMU_PROXY_COUNT=1)
    limiter.reset()
    user = make_user("office_admin")
    client = app.test_client()

    def attempt(ip):
        return client.post("/login", data={"username": user.username, "password": "wrong"},
                           headers={"X-Forwarded-For": ip}).status_code

    first = [attempt("203.0.113.7") for _ in range(22)]
    assert 429 in first
    assert attempt("198.51.100.9") == 401, "another client behind the same proxy is not limited"
    secure = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in secure.headers
    limiter.reset()


def test_guest_lookup_is_rate_limited_per_tablet(limited_app, make_office):
    from server.api.operations import create_enrollment_code, enroll_device

    office = make_office()
    tokens = [enroll_device(create_enrollment_code(office, None, name)[0], name)[1] for name in ("Meja A", "Meja B")]
    client = limited_app.test_client()

    def lookup(token):
        return client.post("/api/v1/guests/lookup", json={"protocol": 1, "id_number": "6171014506900001"},
                           headers={"X-Sitamu-Protocol": "1", "Authorization": f"Bearer {token}"})

    statuses = [lookup(tokens[0]).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    limited = lookup(tokens[0])
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    assert lookup(tokens[1]).status_code == 200, "the other tablet (same address) is not limited"
