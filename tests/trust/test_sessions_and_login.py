"""Issue 13 (items 1, 2, 6): login redirects stay on this site, sessions end for real on the
server, and a login attempt says nothing about whether the account exists."""
import statistics
import time

import pytest

from server.extensions import db as _db
from server.models import StaffUser


def _login(client, username, password="password123", next_=None):
    url = "/login" if next_ is None else "/login?next=" + next_
    return client.post(url, data={"username": username, "password": password})


# -- item 1: open redirect ------------------------------------------------------------------

@pytest.mark.parametrize("next_", [
    "/%09/evil.example/", "//evil.example/", "/%5Cevil.example", "/\\evil.example",
    "https://evil.example/", "/%0D%0ALocation:%20https://evil.example/", "/%0Aevil", "%2F%2Fevil.example",
    "/%20/evil.example", "javascript:alert(1)", "/%E3%80%80/evil.example",
])
def test_login_never_redirects_to_another_site(client, make_user, next_):
    user = make_user("office_admin")
    response = _login(client, user.username, next_=next_)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/admin/", location


@pytest.mark.parametrize("next_, expected", [
    ("/admin/visits", "/admin/visits"), ("/admin/visits?page=2", "/admin/visits?page=2"),
])
def test_login_follows_a_path_on_this_site(client, make_user, next_, expected):
    user = make_user("office_admin")
    response = _login(client, user.username, next_=next_.replace("?", "%3F"))
    assert response.status_code == 302 and response.headers["Location"] == expected


def test_a_page_behind_login_sends_back_to_it_after_login(client, make_user):
    user = make_user("office_admin")
    first = client.get("/admin/visits")
    assert first.status_code == 302 and "/login?next=" in first.headers["Location"]
    response = client.post(first.headers["Location"], data={"username": user.username,
                                                            "password": "password123"})
    assert response.headers["Location"] == "/admin/visits"


# -- item 2: sessions that end ----------------------------------------------------------------

def _cookie(client) -> str:
    return client.get_cookie("session").value


def _with_cookie(app, value):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def test_a_copied_session_cookie_stops_working_after_logout(app, client, make_user):
    user = make_user("office_admin")
    assert _login(client, user.username).status_code == 302
    copied = _cookie(client)
    assert _with_cookie(app, copied).get("/admin/").status_code == 200
    assert client.post("/logout").status_code == 302
    reused = _with_cookie(app, copied).get("/admin/")
    assert reused.status_code == 302 and "/login" in reused.headers["Location"]


def test_logout_ends_the_accounts_sessions_on_other_browsers_too(app, make_user):
    user = make_user("office_admin")
    desk, office = app.test_client(), app.test_client()
    assert _login(desk, user.username).status_code == 302
    assert _login(office, user.username).status_code == 302
    office.post("/logout")
    assert desk.get("/admin/").status_code == 302


@pytest.mark.parametrize("change", ["password", "deactivate", "role", "office"])
def test_an_admin_change_to_an_account_ends_its_sessions(app, client, make_user, make_office, change):
    office = make_office()
    admin = make_user("central_admin", None)
    staff = make_user("office_admin", office)
    staff_client = app.test_client()
    assert _login(staff_client, staff.username).status_code == 302
    assert staff_client.get("/admin/").status_code == 200
    assert _login(client, admin.username).status_code == 302
    form = {"username": staff.username, "name": staff.name, "email": "", "role": "office_admin",
            "office_id": str(office.id), "host_id": "0", "active": "y", "password": "", "pin": ""}
    if change == "password":
        form["password"] = "kata-sandi-baru-123"
    elif change == "deactivate":
        del form["active"]
    elif change == "role":
        form["role"] = "receptionist"
    else:
        form["office_id"] = str(make_office().id)
    saved = client.post(f"/admin/staff/{staff.id}", data=form)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    after = staff_client.get("/admin/")
    assert after.status_code == 302 and "/login" in after.headers["Location"]
    # The admin's own session is untouched.
    assert client.get("/admin/").status_code == 200


def test_an_unchanged_account_keeps_its_sessions(app, client, make_user):
    user = make_user("office_admin")
    assert _login(client, user.username).status_code == 302
    row = _db.session.get(StaffUser, user.id)
    row.name, row.email = "Nama Baru", "baru@example.go.id"
    _db.session.commit()
    assert client.get("/admin/").status_code == 200


def test_a_password_set_from_the_command_line_ends_sessions(app, client, make_user):
    user = make_user("office_admin")
    assert _login(client, user.username).status_code == 302
    row = _db.session.get(StaffUser, user.id)
    row.set_password("another-password-1")
    _db.session.commit()
    assert client.get("/admin/").status_code == 302


# -- item 6: no account enumeration ------------------------------------------------------------

def test_unknown_and_locked_accounts_get_the_same_answer_as_a_wrong_password(client, make_user):
    user = make_user("office_admin")
    inactive = make_user("office_admin", active=False)
    wrong = _login(client, user.username, "salah-salah")
    unknown = _login(client, "tidak.ada.orangnya", "salah-salah")
    gone = _login(client, inactive.username, "password123")
    for _ in range(5):
        _login(client, user.username, "salah-salah")
    locked = _login(client, user.username, "password123")
    bodies = {r.status_code: None for r in (wrong, unknown, gone, locked)}
    assert list(bodies) == [401]

    def message(response):
        text = response.get_data(as_text=True)
        start = text.index('role="alert"')
        return text[start:text.index("</p>", start)]

    assert message(wrong) == message(unknown) == message(gone) == message(locked)
    assert "terkunci" in message(unknown), "the one message says an account may be locked"


def test_an_unknown_account_takes_as_long_to_refuse_as_a_real_one(client, make_user):
    """A side-channel check, not a speed test: refusing an unknown account must cost a
    password-hash check like a real one (about 80 ms against 4 ms before the fix); the bound
    is a factor of three either way, far from both."""
    user = make_user("office_admin")

    def median_ms(username):
        times = []
        for _ in range(7):
            started = time.perf_counter()
            assert _login(client, username, "salah-salah").status_code == 401
            times.append((time.perf_counter() - started) * 1000)
            row = _db.session.get(StaffUser, user.id)
            row.failed_logins, row.locked_until = 0, None  # never reach the lock
            _db.session.commit()
        return statistics.median(times)

    real, unknown = median_ms(user.username), median_ms("tidak.ada.orangnya")
    assert unknown > real / 3 and real > unknown / 3, (real, unknown)
