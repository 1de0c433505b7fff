"""What the sync operations share: the error they raise, limits, times, inserts and visit locks."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite

from .. import jsoncodec
from ..extensions import db

MAX_BATCH_RECORDS = 500


MAX_BATCH_BYTES = 2 * 1024 * 1024


# Deepest nesting a record may have: a push is 5 levels deep (body, events, event, payload,
# correction fields); JSON columns cannot be written past 254 levels.
MAX_JSON_DEPTH = 32


class SyncError(Exception):
    """A request the server refuses as a whole: becomes the API's error envelope."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}
        self.headers = headers or {}


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(timezone.utc)


def sha256_hex(value: str) -> str:
    """Return the SHA-256 of a text as hex (how tokens and codes are stored)."""
    return hashlib.sha256(value.encode()).hexdigest()


def json_depth_error(value, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Return the path of the first value nested deeper than `limit` levels, or None; `value`
    itself is level 1 (a push body with its events list is 2 levels deep).

    orjson reads up to 1024 levels but writes at most 254, so a deeper record could be read
    and then never stored (not even in quarantine): such a body is refused as it is parsed."""
    stack = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:  # the fast pass: containers only, no paths
        item, depth = pop()
        if depth > limit:
            break
        inner = item.values() if type(item) is dict else item
        for child in inner:
            if type(child) is dict or type(child) is list:
                push((child, depth + 1))
    else:
        return None
    paths = [(value, 1, "")]  # the rare deep body: find the path to name
    while paths:
        item, depth, path = paths.pop()
        if depth > limit:
            return path or "body"
        pairs = item.items() if type(item) is dict else enumerate(item)
        paths.extend((child, depth + 1, f"{path}.{key}" if path else str(key)) for key, child in pairs
                     if type(child) is dict or type(child) is list)
    return None


def dialect_insert(table, dialect_name: str):
    """Return an INSERT for `table` in the dialect that has ON CONFLICT (PostgreSQL or SQLite)."""
    module = postgresql if dialect_name == "postgresql" else sqlite
    return module.insert(table)


def pg_insert_new(table, rows: list[dict]) -> set:
    """Insert rows into a PostgreSQL table, skipping those a unique constraint refuses;
    return the ids inserted. The rows travel as one JSON parameter of a fixed statement
    (prepared once per connection): a multi-row VALUES list would be a new statement text
    for every batch, parsed again by psycopg and by the server. Values bypass the column
    types' bind processing, so the rows must hold plain JSON values and aware datetimes."""
    names = ", ".join(f'"{name}"' for name in rows[0])
    statement = text(f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM '
                     f'json_populate_recordset(NULL::"{table.name}", CAST(:rows AS json)) '
                     f'ON CONFLICT DO NOTHING RETURNING id')
    return set(db.session.scalars(statement, {"rows": jsoncodec.dumps(rows)}))


def sqlite_insert_new(table, rows: list[dict]) -> set:
    """Insert rows the caller found free under SQLite's write lock; return the ids stored.

    The count of rows written is checked, so an id is never acknowledged unless stored."""
    if not rows:
        return set()
    result = db.session.execute(dialect_insert(table, "sqlite").on_conflict_do_nothing(), rows)
    ids = {r["id"] for r in rows}
    if result.rowcount != len(rows):
        ids = set(db.session.scalars(select(table.c.id).where(table.c.id.in_(ids))))
    return ids


def lock_visits(visit_ids) -> None:
    """Serialise derivation per visit on PostgreSQL (SQLite serialises every writer)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    # One round trip; keys taken in sorted order so two pushes never deadlock on each other.
    db.session.execute(text(
        "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtext(v) AS k "
        "FROM unnest(CAST(:ids AS text[])) AS v ORDER BY k) AS keys"), {"ids": sorted(visit_ids)})
