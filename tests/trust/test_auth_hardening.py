"""Issue 7, access control basics: CSRF on every form, cookie flags, idle timeout, password
KDF, hashed device tokens and enrolment codes, single-use codes that expire."""
import hashlib
from datetime import timedelta

from sqlalchemy import select

from server.api.operations import create_enrollment_code
from server.extensions import db as _db
from server.models import Device, EnrollmentCode, StaffUser
from server.models.base import utcnow
from tests.sync.conftest import PROTO


def _login(client, user):
    return client.post("/login", data={"username": user.username, "password": "password123"})


def test_every_staff_form_refuses_a_post_without_csrf_token(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    admin = make_user("central_admin", None)
    client = app.test_client()
    # Log in through the real form with its token.
    page = client.get("/login").get_data(as_text=True)
    import re
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"username": admin.username, "password": "x"}).status_code in (400, 401)
    assert client.post("/login", data={"username": admin.username, "password": "password123",
                                       "csrf_token": token}).status_code == 302
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("api.", "static", "pwa.")) or not (rule.methods & {"POST", "PUT", "DELETE"}):
            continue
        if any(a not in ("visit_id", "office_id", "host_id", "service_id", "user_id", "device_id",
                         "item_id", "token", "code") for a in rule.arguments):
            continue
        url = re.sub(r"<(?:[^:<>]+:)?(\w+)>", lambda m: "1" if "id" in m.group(1) else "x", rule.rule)
        response = client.post(url, data={"name": "tanpa token"})
        assert response.status_code in (400, 404), (rule.rule, response.status_code)
        if response.status_code == 400:
            checked += 1
    assert checked >= 10
    # Still logged in: the refusals changed nothing.
    assert client.get("/admin/").status_code == 200


def test_session_cookie_is_httponly_samesite_and_secure_under_https(make_app, make_user):
    app = make_app(SESSION_COOKIE_SECURE=True)
    user = make_user("office_admin")
    response = _login(app.test_client(), user)
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite"} <= flags
    assert "samesite=lax" in cookie.lower()


def test_default_config_makes_cookies_secure_when_served_over_https(monkeypatch, tmp_path):
    from server.config import build_config

    monkeypatch.setenv("SITAMU_PUBLIC_URL", "https://bukutamu.kalbarprov.go.id")
    monkeypatch.delenv("SITAMU_INSECURE_COOKIES", raising=False)
    config = build_config(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax" and config["REMEMBER_COOKIE_HTTPONLY"]


def test_idle_session_ends(app, client, make_user):
    user = make_user("office_admin")
    assert _login(client, user).status_code == 302
    assert client.get("/admin/").status_code == 200
    with client.session_transaction() as session:
        session["seen"] -= app.config["SITAMU_IDLE_MINUTES"] * 60 + 5
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/admin/").status_code == 302


def test_passwords_are_stored_with_a_modern_kdf(make_user):
    user = make_user("office_admin")
    stored = _db.session.get(StaffUser, user.id).password_hash
    assert stored.startswith(("scrypt:", "pbkdf2:sha256:", "argon2")) and "password123" not in stored


def test_device_tokens_and_enrolment_codes_are_stored_only_hashed(client, make_office, make_user):
    office = make_office()
    code, _ = create_enrollment_code(office, make_user("office_admin", office), "Meja")
    _db.session.commit()
    enrolled = client.post("/api/v1/enroll", json={"protocol": 1, "code": code, "device_name": "Meja",
                                                   "app_version": "1"}, headers=PROTO)
    token = enrolled.get_json()["token"]
    device = _db.session.scalars(select(Device)).one()
    assert device.token_hash == hashlib.sha256(token.encode()).hexdigest()
    codes = _db.session.scalars(select(EnrollmentCode)).all()
    assert all(code not in (c.code_hash or "") and len(c.code_hash) == 64 for c in codes)
    # The raw values appear in no column of any table.
    from tests.trust.test_backup_restore import snapshot
    dump = repr(snapshot())
    assert token not in dump and code not in dump and code.replace("-", "") not in dump


def test_enrolment_codes_are_single_use_and_expire(client, make_office, make_user):
    office = make_office()
    admin = make_user("office_admin", office)
    code, _ = create_enrollment_code(office, admin, "Meja")
    old, _ = create_enrollment_code(office, admin, "Meja lama")
    _db.session.commit()
    row = _db.session.scalars(select(EnrollmentCode).order_by(EnrollmentCode.id.desc())).first()
    row.expires_at = utcnow() - timedelta(minutes=1)
    _db.session.commit()

    def enroll(c):
        return client.post("/api/v1/enroll", json={"protocol": 1, "code": c, "device_name": "Meja",
                                                   "app_version": "1"}, headers=PROTO)

    assert enroll(code).status_code == 201
    again = enroll(code)
    assert again.status_code == 400 and again.get_json()["error"]["code"] == "invalid_code"
    expired = enroll(old)
    assert expired.status_code == 400 and expired.get_json()["error"]["code"] == "invalid_code"
