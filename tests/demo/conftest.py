"""Fixtures for the demo data tests: one demo load shared by a module's read-only tests."""
from datetime import date

import pytest
from sqlalchemy import text

from server.extensions import db as _db

TODAY = date(2026, 11, 18)  # a Wednesday; "last month" is October 2026


def wipe() -> None:
    """Empty every table (the shared load is not made through the per-test `db` fixture)."""
    _db.session.remove()
    tables = list(reversed(_db.metadata.sorted_tables))
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture(scope="module")
def demo(app):
    """Load the demo data once for a module (seed 2026, today = 18 November 2026)."""
    from server.demo import load_demo

    with app.app_context():
        wipe()
        summary = load_demo(seed=2026, today=TODAY)
        yield summary
        wipe()


@pytest.fixture
def demo_ctx(app, demo):
    """An app context on the loaded demo data."""
    with app.app_context():
        yield _db
        _db.session.remove()
