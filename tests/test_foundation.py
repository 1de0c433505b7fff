"""The app factory, migrations, login and role checks."""
import pytest
from sqlalchemy import inspect

from server.extensions import db as _db


def test_migrations_create_every_model_table(app, db):
    names = set(inspect(_db.engine).get_table_names())
    assert {t.name for t in _db.metadata.sorted_tables} <= names
    assert "alembic_version" in names


def test_models_match_migrations(app, db):
    """A model change without a migration fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with _db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, _db.metadata)
    assert diff == []


def test_login_and_logout(client, make_user, login):
    user = make_user("office_admin")
    response = login(user)
    assert response.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200
    client.post("/logout")
    assert client.get("/admin/").status_code == 302


def test_wrong_password_is_refused_and_counted(client, make_user, db):
    user = make_user("office_admin")
    response = client.post("/login", data={"username": user.username, "password": "nope"})
    assert response.status_code == 401
    assert "salah" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.failed_logins == 1


def test_five_failures_lock_the_account(client, make_user, db):
    user = make_user("office_admin")
    for _ in range(5):
        client.post("/login", data={"username": user.username, "password": "nope"})
    response = client.post("/login", data={"username": user.username, "password": "password123"})
    assert response.status_code == 401
    assert "terkunci" in response.get_data(as_text=True)


@pytest.mark.parametrize("role,path,allowed", [
    ("host", "/admin/", False),
    ("receptionist", "/admin/", False),
    ("supervisor", "/admin/", False),
    ("office_admin", "/dashboard/", True),
    ("host", "/host/", True),
    ("receptionist", "/host/", False),
])
def test_role_checks(client, make_user, login, role, path, allowed):
    login(make_user(role))
    assert (client.get(path).status_code == 200) is allowed


def test_idle_session_expires(app, client, make_user, login):
    login(make_user("office_admin"))
    with client.session_transaction() as session:
        session["seen"] = session["seen"] - app.config["SITAMU_IDLE_MINUTES"] * 60 - 5
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_api_errors_use_the_envelope(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}


def test_the_english_catalog_translates_each_text_once():
    """One catalog for every area: a text has one English, whichever page shows it."""
    import re

    from server.i18n import catalog_paths

    text = catalog_paths()["en"].read_text(encoding="utf-8")
    msgids = re.findall(r'^msgid ((?:"(?:[^"\\]|\\.)*"\n?)+)', text, flags=re.M)
    assert len(msgids) > 500 and len(msgids) == len(set(msgids))


def test_role_label_is_shown_in_english_with_the_switch(client, make_user, login):
    login(make_user("security"))
    home = client.get("/").headers["Location"]  # the role's own start page
    page = client.get(home + "?lang=en").get_data(as_text=True)
    assert "Security officer" in page and "Petugas Keamanan" not in page
