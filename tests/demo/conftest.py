"""Fixtures for the demo data tests: one demo load shared by a module's read-only tests."""
from collections import defaultdict
from datetime import date
from itertools import pairwise

import pytest
from sqlalchemy import select, text

from server.extensions import db as _db
from server.models import Visit

TODAY = date(2026, 11, 18)  # a Wednesday; "last month" is October 2026


def custody_overlaps(db, office) -> tuple[list[tuple], int]:
    """Return (item, number, issued) for each card or locker handed out while another visit of
    the office still held it (not given back is held until now), and how many were handed out."""
    from server.lifecycle import read

    held = defaultdict(list)  # (item, number) -> [(issued, returned or None)]
    for visit in db.session.scalars(select(Visit).where(Visit.office_id == office.id)):
        for item, custody in read(visit).custody.items():
            if item in ("card", "locker"):
                held[(item, custody["number"])].append((custody["issued_at"], custody["returned_at"]))
    overlaps = []
    for (item, number), spans in held.items():
        spans.sort(key=lambda span: span[0])
        overlaps += [(item, number, issued) for (_, returned), (issued, _) in pairwise(spans)
                     if returned is None or returned > issued]
    return overlaps, sum(map(len, held.values()))


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
