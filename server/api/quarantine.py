"""Quarantined records: shown decrypted to the admin, replayed with a fix through the push
path, or dismissed."""
from __future__ import annotations

from ..audit import record_audit
from ..extensions import db
from ..models import Device, Quarantine
from .common import MAX_JSON_DEPTH, SyncError, json_depth_error, utcnow
from .ingest import ingest_batch
from .sealing import unseal_anywhere


def quarantine_record(item: Quarantine) -> dict:
    """Return a quarantined record as the tablet sent it (personal fields decrypted)."""
    return unseal_anywhere(dict(item.payload or {}))


def replay_quarantine(item: Quarantine, fixed_payload: dict, user) -> dict:
    """Store a corrected quarantined record through the push path; return the ack.

    The item is marked replayed only when the record was stored (or was already there);
    otherwise it stays open and the new quarantine entry explains why. Commits.
    """
    device = db.session.get(Device, item.device_id) if item.device_id else None
    if device is None:
        raise SyncError(400, "invalid_request", "The tablet that sent this record is gone.")
    if item.status != "open":
        raise SyncError(409, "conflict", "This record was already resolved.")
    deep = json_depth_error(fixed_payload, MAX_JSON_DEPTH - 2)  # the record sits 2 levels into a push
    if deep:
        raise SyncError(400, "invalid_json", "The record is nested too deeply.",
                        {deep[:200]: f"nested deeper than {MAX_JSON_DEPTH} levels"})
    if item.record_type == "survey":
        result = ingest_batch(device, [], [fixed_payload], commit=False)
    else:
        result = ingest_batch(device, [fixed_payload], [], commit=False)
    ok = bool(result["ack"]["stored"] or result["ack"]["duplicate"])
    if ok:
        item.status, item.resolved_at, item.resolved_by = "replayed", utcnow(), getattr(user, "id", None)
    record_audit("quarantine.replay", office_id=item.office_id, target_type="quarantine",
                 target_id=item.id, detail={"stored": ok}, user_id=getattr(user, "id", None))
    db.session.commit()
    return result


def dismiss_quarantine(item: Quarantine, user, note: str = "") -> None:
    """Close a quarantined record without storing it. Commits."""
    if item.status == "open":
        item.status, item.resolved_at, item.resolved_by = "dismissed", utcnow(), getattr(user, "id", None)
        item.note = (note or item.note)[:2000]
        record_audit("quarantine.dismiss", office_id=item.office_id, target_type="quarantine",
                     target_id=item.id, user_id=getattr(user, "id", None))
    db.session.commit()
