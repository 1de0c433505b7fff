"""Events as the server stores them: the visit_event row of a protocol event (canonical form,
sealed personal data, content hash), and events made on the server (`record_server_event`)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sync.rules import canonical_event, content_hash, format_time, parse_time, skew_flagged, validate_event

from ..extensions import db
from ..models import Device, Visit, VisitEvent
from .common import SyncError, dialect_insert, lock_visits, utcnow
from .derive import derive_and_store
from .sealing import seal_payload


def event_row(event: dict, device: Device | None, office_id: int, now: datetime) -> tuple[dict, dict]:
    """Return (the visit_event row, the canonical event)."""
    canonical = canonical_event(event)
    device_time = parse_time(canonical["device_time"])
    corrected = device_time - timedelta(milliseconds=canonical["clock_offset_ms"])
    return {
        "id": canonical["id"], "visit_id": canonical["visit_id"], "office_id": office_id,
        "device_id": device.id if device else None,
        "device_seq": canonical["seq"] if device else None,
        "kind": canonical["kind"], "actor": canonical["actor"], "step": canonical["step"],
        "device_time": device_time,
        "clock_offset_ms": canonical["clock_offset_ms"], "received_at": now,
        "corrected_time": corrected, "skew_flagged": skew_flagged(canonical),
        "payload": seal_payload(canonical["kind"], canonical["payload"]),
        "content_hash": content_hash(canonical, canonical=True),
    }, canonical


def record_server_event(visit: Visit, kind: str, payload: dict | None = None, actor: str = "system",
                        *, step: str | None = None) -> VisitEvent:
    """Record an event made on the server (e.g. the host inbox's reply) and re-derive the visit.

    `actor` is "host:<id>", "staff:<id>" or "system". Raises SyncError(400) for an invalid
    payload. The visit's change reaches the office's tablets through pull. Commits.
    """
    import uuid

    now = utcnow()
    event = {"id": str(uuid.uuid4()), "visit_id": visit.id, "seq": 1, "kind": kind, "actor": actor,
             "device_time": format_time(now), "clock_offset_ms": 0, "payload": payload or {}}
    if step:
        event["step"] = step
    errors = validate_event(event)
    if errors:
        raise SyncError(400, "invalid_request", "The event is not valid.", errors)
    row, _ = event_row(event, None, visit.office_id, now)
    dialect = db.session.get_bind().dialect.name
    db.session.execute(dialect_insert(VisitEvent.__table__, dialect), [row])
    lock_visits({visit.id})
    derive_and_store({visit.id}, visit.office_id, dialect, now)
    db.session.commit()
    db.session.expire(visit)
    return db.session.get(VisitEvent, row["id"])
