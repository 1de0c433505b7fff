"""The change log tablets pull from, written automatically on every flush.

A session hook adds a ChangeLog row for every insert, update and delete of Office, Host,
Service, StaffUser, Visit and SurveyLink made through the ORM, in the same transaction, so
no page or command has to remember to. Bulk writes that bypass the ORM (the push path)
call `log_changes` themselves.

Ordering: on PostgreSQL each row carries its transaction id (pg_current_xact_id), and a
pull reads only rows of transactions older than every running one, ordered by
(tx_id, id): a transaction that started earlier but commits later is never skipped. On
SQLite writers are serialised, so ids commit in order; tx_id stays 0 and the order is id.
"""
from sqlalchemy import event, insert, literal_column
from sqlalchemy.orm import Session

from .models import Appointment, ChangeLog, Host, Office, Service, StaffUser, SurveyLink, Visit

ENTITIES = {Office: "office", Host: "host", Service: "service", StaffUser: "staff",
            Visit: "visit", SurveyLink: "survey_link", Appointment: "appointment"}

PG_TX_ID = literal_column("pg_current_xact_id()::text::bigint")


def _office_id(obj) -> int | None:
    return obj.id if isinstance(obj, Office) else getattr(obj, "office_id", None)


def log_changes(connection, rows: list[dict]) -> None:
    """Insert change-log rows ({office_id, entity, entity_id, op}) in the current transaction."""
    if not rows:
        return
    stmt = insert(ChangeLog.__table__)
    if connection.dialect.name == "postgresql":
        stmt = stmt.values(tx_id=PG_TX_ID)
    else:
        rows = [dict(row, tx_id=0) for row in rows]
    connection.execute(stmt, rows)


@event.listens_for(Session, "after_flush")
def _record_changes(session, flush_context) -> None:
    rows, seen = [], set()
    for objects, op in ((session.new, "put"), (session.dirty, "put"), (session.deleted, "delete")):
        for obj in objects:
            entity = ENTITIES.get(type(obj))
            if entity is None:
                continue
            if op == "put" and obj in session.dirty and not session.is_modified(obj):
                continue
            office_id = _office_id(obj)
            if office_id is None or (op == "delete" and entity == "office"):
                continue  # central staff belong to no office's tablets
            key = (entity, str(obj.id))
            if key in seen:
                continue
            seen.add(key)
            rows.append({"office_id": office_id, "entity": entity, "entity_id": str(obj.id), "op": op})
    if rows:
        log_changes(session.connection(), rows)


def prune_change_log(older_than_days: int = 31) -> int:
    """Delete change-log rows older than the pull cursor's lifetime (30 days) plus a margin.

    A cursor not used for 30 days answers `reset`, so no live cursor still needs these rows.
    Returns the number of rows deleted; the caller commits.
    """
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import delete

    from .extensions import db

    if older_than_days < 31:
        raise ValueError("the change log must outlive pull cursors (30 days) by a margin")
    cutoff = datetime.now(timezone.utc) - timedelta(days=older_than_days)
    return db.session.execute(delete(ChangeLog).where(ChangeLog.created_at < cutoff)).rowcount
