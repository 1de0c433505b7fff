"""Deriving visits: a visit's events read back (decrypted), derived by `sync.rules.derive_visit`
and upserted with their tablet view, the change log and the dashboard's step minutes."""
from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import select

from sync.rules import corrected_time, derive_visit, format_time, mask_id_number, parse_time

from ..changes import log_changes
from ..crypto import nik_lookup_hash
from ..dashboard.step_store import add_step_minutes
from ..extensions import db
from ..models import Attachment, Device, Host, Visit, VisitEvent
from ..models.base import among
from .common import dialect_insert
from .pull import tablet_json
from .sealing import unseal_payload


def load_events(visit_ids, known: dict[str, dict] | None = None) -> dict[str, list[dict]]:
    """Return {visit id: [event dicts in protocol shape, personal fields decrypted]}.

    Each dict also carries `device_id`. `known` maps event ids to events already in hand
    (the batch just inserted), which are not read back from the database.
    """
    known = known or {}
    out: dict[str, list[dict]] = {v: [] for v in visit_ids}
    for event in known.values():
        if event["visit_id"] in out:
            out[event["visit_id"]].append(event)
    ids = list(out)
    for i in range(0, len(ids), 500):
        query = select(
            VisitEvent.id, VisitEvent.visit_id, VisitEvent.device_seq, VisitEvent.kind, VisitEvent.actor,
            VisitEvent.step, VisitEvent.device_time, VisitEvent.clock_offset_ms, VisitEvent.payload,
            VisitEvent.device_id).where(among(VisitEvent.visit_id, ids[i:i + 500]))
        if known:
            query = query.where(~among(VisitEvent.id, known))
        for r in db.session.execute(query):
            out[r.visit_id].append({
                "id": r.id, "visit_id": r.visit_id, "seq": r.device_seq or 0, "kind": r.kind,
                "actor": r.actor, "step": r.step, "device_time": format_time(r.device_time),
                "clock_offset_ms": r.clock_offset_ms, "payload": unseal_payload(r.kind, r.payload or {}),
                "device_id": r.device_id,
            })
    return out


VISIT_COLUMNS = ("stage", "queue_number", "id_type", "name", "institution", "address", "purpose",
                 "host_id", "service_id", "card_number", "ktp_held", "locker_number", "screening",
                 "unavailable_reason", "cancel_reason", "photo_sha", "signature_sha",
                 "consent_version")


VISIT_TIMES = ("consent_at", "registered_at", "admitted_at", "finished_at", "checked_out_at")


STATE_SKIP = set(VISIT_COLUMNS) | set(VISIT_TIMES) | {"id", "id_number", "phone", "corrections"}


_UPSERTS: dict[tuple, object] = {}


def _visit_upsert(dialect: str, keys: tuple):
    """Return the (cached) INSERT ... ON CONFLICT (id) DO UPDATE statement for visit rows."""
    stmt = _UPSERTS.get((dialect, keys))
    if stmt is None:
        table = Visit.__table__
        stmt = dialect_insert(table, dialect)
        # A visit whose personal data retention removed stays as it is: late events do not refill it.
        stmt = stmt.on_conflict_do_update(index_elements=[table.c.id], set_={
            name: stmt.excluded[name] for name in keys if name not in ("id", "office_id", "purged_at")},
            where=table.c.purged_at.is_(None))
        _UPSERTS[(dialect, keys)] = stmt
    return stmt


def derive_and_store(visit_ids: set[str], office_id: int, dialect: str, now: datetime,
                      known: dict[str, dict] | None = None, uids: dict[int, str] | None = None,
                      tiers: dict[int, str] | None = None) -> None:
    """Derive the visits from all their events and upsert them with their tablet view
    (a purged visit is left as it is: see _visit_upsert).

    `known`: events in hand (not read back); `uids`: device id -> uid already known;
    `tiers`: host id -> tier of the office's hosts, when already read."""
    events = load_events(visit_ids, known)
    derived = {v: derive_visit(evs) for v, evs in events.items() if evs}
    shas = {d[k] for d in derived.values() for k in ("photo_sha", "signature_sha") if d[k]}
    arrived = set(db.session.scalars(select(Attachment.sha256).where(among(Attachment.sha256, shas)))) if shas else set()
    host_ids = {d["host_id"] for d in derived.values() if d["host_id"]}
    if tiers is None:
        tiers = dict(db.session.execute(select(Host.id, Host.tier).where(Host.id.in_(host_ids))).all()) if host_ids else {}
    # The visit's tablet is the one of its earliest registration (the one derive_visit takes),
    # whatever order the registrations arrived in.
    device_of = {}
    for visit_id, evs in events.items():
        registrations = [e for e in evs if e["kind"] == "registration"]
        if registrations:
            device_of[visit_id] = min(registrations, key=lambda e: (corrected_time(e), e["id"]))["device_id"]
    uids = dict(uids or {})
    unknown = {d for d in device_of.values() if d is not None and d not in uids}
    if unknown:
        uids.update(db.session.execute(select(Device.id, Device.uid).where(Device.id.in_(unknown))).all())
    rows = []
    for visit_id, d in derived.items():
        row = {name: d[name] for name in VISIT_COLUMNS}
        row.update({name: parse_time(d[name]) for name in VISIT_TIMES})
        row.update(id=visit_id, office_id=office_id, device_id=device_of.get(visit_id),
                   id_number=d["id_number"] or None, phone=d["phone"] or None,
                   nik_hash=nik_lookup_hash(d["id_number"]) if d["id_type"] == "ktp" and d["id_number"] else None,
                   tier=tiers.get(d["host_id"], ""), event_count=d["event_count"], updated_at=now,
                   custody_open=bool(d["custody_outstanding"]))
        if row["registered_at"] is None:
            # Events came before their registration: place the visit by its first event for now.
            row["registered_at"] = min(parse_time(e["device_time"]) for e in events[visit_id])
        state = {k: v for k, v in d.items() if k not in STATE_SKIP}
        state["corrected_fields"] = sorted(d["corrections"])
        state["photo_pending"] = bool(d["photo_sha"]) and d["photo_sha"] not in arrived
        state["signature_pending"] = bool(d["signature_sha"]) and d["signature_sha"] not in arrived
        state["id_number_masked"] = mask_id_number(d["id_number"])  # what tablets may see
        row["state"] = state
        row["tablet_json"] = tablet_json(SimpleNamespace(**row), uids.get(row["device_id"]))
        rows.append(row)
    add_step_minutes(office_id, rows, events, known)  # the dashboard's SOP medians read these
    db.session.execute(_visit_upsert(dialect, tuple(rows[0])), rows)
    log_changes(db.session.connection(), [
        {"office_id": office_id, "entity": "visit", "entity_id": v, "op": "put"} for v in derived])
    if any(d.get("appointment_id") for d in derived.values()):
        # A check-in by appointment: mark the appointment and tell the host (server/appointments).
        from ..appointments.operations import record_checkins

        record_checkins(office_id, derived, {v: d.get("registered_at") or "" for v, d in derived.items()})
