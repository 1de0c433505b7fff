"""Fixtures of the trust area: fresh apps on the test database with other settings."""
import pytest

from server import create_app
from server.extensions import limiter


@pytest.fixture
def make_app(app, db):
    """Return a factory of extra apps on the same database, with config overrides."""

    def make(**overrides):
        config = {
            "TESTING": True,
            "INSTANCE_PATH": app.instance_path,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "test-secret",
            "SITAMU_DATA_KEY": app.config["SITAMU_DATA_KEY"],
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
        }
        config.update(overrides)
        return create_app(config)

    yield make
    # The limiter is one object shared by every app; give the main test app its state back.
    limiter.enabled = app.config.get("RATELIMIT_ENABLED", True)


@pytest.fixture
def limited_app(make_app):
    """An app with Flask-Limiter enabled (memory storage, emptied before and after)."""
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    limiter.reset()
    yield limited
    limiter.reset()


# Enrolled tablets speaking the real sync API (the sync area's fixtures, reused).
from tests.sync.conftest import PROTO, Tablet, enrolled, tablet_for  # noqa: E402,F401
