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
    for attempt in range(4):
        assert lockout.failure("pin", 7) is False
        assert not lockout.is_locked("pin", 7)
    assert lockout.failure("pin", 7) is True
    assert lockout.is_locked("pin", 7)
    assert not lockout.is_locked("pin", 8), "another staff member is not locked"
    assert not lockout.is_locked("enroll", 7), "another scope is not locked"
    lockout.success("pin", 7)
    assert not lockout.is_locked("pin", 7)


def test_lockout_is_shared_through_redis_when_configured():
    import redis
    import uuid

    uri = "redis://127.0.0.1:6379/15"
    redis.Redis.from_url(uri).ping()
    key = uuid.uuid4().hex
    first, second = Lockout(uri), Lockout(uri)  # two workers
    for _ in range(5):
        first.failure("pin", key)
    assert second.is_locked("pin", key)
    second.success("pin", key)
    assert not first.is_locked("pin", key)
