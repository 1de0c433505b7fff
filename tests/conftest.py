"""Core fixtures: the app on the real database (SQLite, or PostgreSQL when
SITAMU_TEST_DATABASE_URL names one), a client, factories, a live server, a browser."""
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from server import create_app
from server.extensions import db as _db
from server.models import Host, Office, Service, StaffUser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = "/usr/lib/chromium/chromium"


class UserClient(FlaskClient):
    """A test client that never sees another client's user.

    The `db` fixture keeps an app context open for the whole test, so Flask reuses it (and
    its `g`) for every request, and the per-request caches in `g` (the user, the language)
    would leak from one request to the next."""

    # Per-request caches kept in `g`: Flask-Login's user; Flask-Babel's locale, time zone and
    # translations (in `g._flask_babel` since Flask-Babel 3).
    REQUEST_CACHES = ("_login_user", "_flask_babel")

    def open(self, *args, **kwargs):
        self._forget()
        try:
            return super().open(*args, **kwargs)
        finally:
            self._forget()

    def _forget(self):
        for name in self.REQUEST_CACHES:
            g.pop(name, None)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("SITAMU_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The Sitamu app on a database brought to the current schema by the migrations."""
    from flask_migrate import upgrade

    instance = tmp_path_factory.mktemp("instance")
    app = create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
        "SECRET_KEY": "test-secret",
        "SITAMU_DATA_KEY": "11" * 32,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
    })
    app.test_client_class = UserClient
    from server.config import normalize_database_url
    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        if _db.engine.dialect.name == "postgresql":
            with _db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    yield app


def reports_done() -> None:
    """Wait for the report jobs a test's requests started in the web process's background
    thread (one at a time), so none writes into the next test's rows (ids start again at 1)."""
    from reports import jobs

    if jobs._thread_pool is not None:
        jobs._thread_pool.submit(lambda: None).result(timeout=300)


@pytest.fixture
def db(app):
    """The database session, emptied after each test."""
    with app.app_context():
        yield _db
        reports_done()
        _db.session.remove()
        tables = [t for t in reversed(_db.metadata.sorted_tables)]
        for attempt in range(5):
            try:
                with _db.engine.begin() as conn:
                    if conn.dialect.name == "postgresql":
                        names = ", ".join(f'"{t.name}"' for t in tables)
                        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                    else:
                        for table in tables:
                            conn.execute(table.delete())
                break
            except OperationalError:
                # A browser test's tablet may still be syncing through the live server: PostgreSQL
                # ends one side of that deadlock; the live request finishes and emptying goes on.
                if attempt == 4:
                    raise
                time.sleep(0.5)


@pytest.fixture
def is_postgres(app) -> bool:
    with app.app_context():
        return _db.engine.dialect.name == "postgresql"


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def make_office(db):
    """Return a factory of offices."""
    counter = iter(range(1, 10_000))

    def make(**overrides) -> Office:
        n = next(counter)
        values = dict(code=f"OFF{n}", name=f"Kantor Uji {n}", region="Kalimantan Barat",
                      timezone="Asia/Jakarta", sop_template="kalbar-2021",
                      letterhead=["PEMERINTAH PROVINSI UJI", f"KANTOR UJI {n}"])
        values.update(overrides)
        office = Office(**values)
        db.session.add(office)
        db.session.commit()
        return office

    return make


@pytest.fixture
def make_user(db, make_office):
    """Return a factory of staff users; the password is always 'password123'."""
    counter = iter(range(1, 10_000))

    def make(role: str = "office_admin", office: Office | None = None, **overrides) -> StaffUser:
        n = next(counter)
        if office is None and role not in ("central_admin",) and "office_id" not in overrides:
            office = make_office()
        user = StaffUser(username=overrides.pop("username", f"{role}{n}"), name=f"Staf {n}", role=role,
                         office_id=office.id if office else overrides.pop("office_id", None), **overrides)
        user.set_password("password123")
        _db.session.add(user)
        _db.session.commit()
        return user

    return make


@pytest.fixture
def make_host(db, make_office):
    def make(office: Office | None = None, **overrides) -> Host:
        office = office or make_office()
        values = dict(office_id=office.id, name="Drs. Budi Santoso", position="Kepala Bagian Umum",
                      tier="eselon_4_asn", unit="Bagian Umum")
        values.update(overrides)
        host = Host(**values)
        _db.session.add(host)
        _db.session.commit()
        return host

    return make


@pytest.fixture
def make_service(db, make_office):
    def make(office: Office | None = None, **overrides) -> Service:
        office = office or make_office()
        service = Service(office_id=office.id, name=overrides.pop("name", f"Layanan {uuid.uuid4().hex[:6]}"),
                          **overrides)
        _db.session.add(service)
        _db.session.commit()
        return service

    return make


@pytest.fixture
def login(client):
    """Log a user in through the real login form."""

    def do(user: StaffUser, password: str = "password123"):
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.data[:500]
        return response

    return do


def free_port() -> int:
    """Return a localhost TCP port free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def processes():
    """Processes started by a test, stopped (and reaped) at its end, also when it fails."""
    started: list[subprocess.Popen] = []
    yield started
    for proc in reversed(started):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


@pytest.fixture(scope="session")
def live_server(app):
    """The app served over real HTTP on a free localhost port, in a thread."""
    from werkzeug.serving import make_server

    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    """Folder for screenshots and PDFs a test leaves for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
