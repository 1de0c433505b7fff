"""The push: a tablet's batch of events and survey responses stored in one transaction, each
record with exactly one outcome (sync/PROTOCOL.md, "Push"), the touched visits derived again."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select, update

from sync.rules import format_time, validate_event

from ..extensions import db
from ..models import Device, Host, Quarantine, Service, Visit, VisitEvent
from ..models.base import among
from .common import MAX_BATCH_RECORDS, SyncError, dialect_insert, lock_visits, pg_insert_new, sqlite_insert_new, utcnow
from .derive import derive_and_store
from .events import event_row
from .sealing import record_hash, seal_record
from .surveys import ingest_survey

log = logging.getLogger("sitamu.sync")

# The device of a quarantined record when it is the pushing tablet (ingest_batch).
PUSHER = object()


def _referenced_ids(events: list[dict], name: str) -> set[int]:
    ids = set()
    for event in events:
        payload = event.get("payload") or {}
        source = payload.get("fields") if event["kind"] == "correction" else payload
        value = source.get(name) if isinstance(source, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            ids.add(value)
    return ids


def _check_references(event: dict, hosts: dict, services: set) -> dict:
    payload = event.get("payload") or {}
    source = payload.get("fields") if event["kind"] == "correction" else payload
    errors = {}
    if not isinstance(source, dict):
        return errors
    prefix = "payload.fields." if event["kind"] == "correction" else "payload."
    if source.get("host_id") is not None and source["host_id"] not in hosts:
        errors[prefix + "host_id"] = "unknown host for this office"
    if source.get("service_id") is not None and source["service_id"] not in services:
        errors[prefix + "service_id"] = "unknown service for this office"
    return errors


def ingest_batch(device: Device, events, surveys=None, *, office_code: str | None = None,
                 commit: bool = True, pending: int | None = None) -> dict:
    """Store a pushed batch in one transaction and return its acknowledgement.

    Every record gets exactly one outcome: stored, duplicate, quarantined or conflict.
    `pending` is the tablet's reported outbox size, saved with the device row.
    Raises SyncError for a request refused as a whole (nothing is stored then).
    """
    # Left out or null: none. Anything else that is not a list ({} or "" too) refuses the push.
    events = [] if events is None else events
    surveys = [] if surveys is None else surveys
    if not isinstance(events, list) or not isinstance(surveys, list):
        raise SyncError(400, "invalid_request", "events and surveys must be lists",
                        {"events" if not isinstance(events, list) else "surveys": "must be a list"})
    if len(events) + len(surveys) > MAX_BATCH_RECORDS:
        raise SyncError(413, "too_large", f"A batch holds at most {MAX_BATCH_RECORDS} records.")
    office_id = device.office_id
    if office_code is not None and office_code != device.office.code:
        raise SyncError(403, "forbidden", "This tablet is not enrolled for that office.",
                        {"office": "not this tablet's office"})
    now = utcnow()
    dialect = db.session.get_bind().dialect.name

    ack = {"stored": [], "duplicate": [], "quarantined": [], "conflict": []}
    quarantine_rows: list[dict] = []

    def quarantine(record, record_type, errors, seq=None, kind="quarantined", message="", device_id=PUSHER,
                   digest=None):
        """Keep a refused record (once: a re-send finds it there) and name it in the ack
        (kind None: a stored event displaced by another version, not part of this push, kept
        under the tablet that sent it)."""
        named = record if isinstance(record, dict) else {}
        record_id = named.get("id") if isinstance(named.get("id"), str) else ""
        visit_id = named.get("visit_id") if isinstance(named.get("visit_id"), str) else None
        quarantine_rows.append({
            "office_id": office_id, "device_id": device.id if device_id is PUSHER else device_id,
            "record_id": record_id[:36],
            "visit_id": visit_id[:36] if visit_id else None, "record_hash": digest or record_hash(record),
            "record_type": record_type, "payload": seal_record(record), "errors": errors,
            "status": "open", "created_at": now, "device_seq": seq,
            "note": message})
        if kind == "conflict":
            ack["conflict"].append({"id": record_id, "message": message})
        elif kind is not None:
            ack["quarantined"].append({"id": record_id, "fields": errors})

    # 1. Validate content and prepare the rows (canonical form, sealed personal data, content
    # hash): plain computation, done before the write lock so concurrent pushes overlap here.
    # Refused records go to quarantine, the rest goes on.
    valid: list[dict] = []
    prepared: list[tuple[dict, dict, dict]] = []
    for event in events:
        errors = validate_event(event)
        if errors:
            seq = event.get("seq") if isinstance(event, dict) and type(event.get("seq")) is int else None
            quarantine(event, "event", errors, seq=seq if seq and 0 < seq < 2**62 else None)
        else:
            valid.append(event)
            prepared.append((event, *event_row(event, device, office_id, now)))

    # The first statement writes: it takes SQLite's write lock (so every read below sees the
    # latest data) and PostgreSQL's row lock on the device (one push per device at a time).
    seen = {"last_seen_at": now} if pending is None else {"last_seen_at": now, "pending_reported": pending}
    db.session.execute(update(Device).where(Device.id == device.id).values(**seen))
    visit_ids = {e["visit_id"] for e in valid}
    existing = db.session.execute(select(Visit.id, Visit.office_id, Visit.purged_at).where(
        among(Visit.id, visit_ids))).all() if visit_ids else []
    existing_visits = {row.id: row.office_id for row in existing}
    foreign = sorted(v for v, o in existing_visits.items() if o != office_id)
    if foreign:
        db.session.rollback()
        raise SyncError(403, "forbidden", "A visit in this batch belongs to another office.",
                        {"events.visit_id": "belongs to another office"})
    service_ids = _referenced_ids(valid, "service_id")
    # Every host of the office (a few dozen at most): checks the batch and gives the tiers.
    hosts = dict(db.session.execute(select(Host.id, Host.tier).where(Host.office_id == office_id)).all())
    services = set(db.session.scalars(select(Service.id).where(
        Service.office_id == office_id, Service.id.in_(service_ids)))) if service_ids else set()
    accepted: dict[str, dict] = {}
    canonicals: dict[str, dict] = {}
    originals: dict[str, dict] = {}
    in_batch_dupes: list[tuple[dict, str]] = []
    for event, row, canonical in prepared:
        errors = _check_references(event, hosts, services)
        if errors:
            quarantine(event, "event", errors, seq=event["seq"])
            continue
        kept = accepted.get(row["id"])
        if kept is not None and row["content_hash"] >= kept["content_hash"]:
            in_batch_dupes.append((event, row["content_hash"]))
            continue
        if kept is not None:  # two versions in one batch: the smaller content hash goes on
            in_batch_dupes.append((originals[row["id"]], kept["content_hash"]))
        accepted[row["id"]] = row
        canonicals[row["id"]] = canonical
        originals[row["id"]] = event

    purged = {row.id for row in existing if row.purged_at is not None}
    if purged:
        # Late events of a visit retention already purged are kept without personal data
        # (their content hash is the original's, so a re-send is still a duplicate).
        from ..privacy.retention import scrub_payload

        for row in accepted.values():
            if row["visit_id"] in purged:
                row["payload"] = scrub_payload(row["payload"])

    # 2. Insert; the unique constraints (id, and device + seq) decide what is new.
    inserted: set[str] = set()
    if accepted and dialect == "sqlite":
        # This transaction holds SQLite's only write lock (taken above), so what is already
        # stored cannot change under us: find it, then insert the rest with a plain executemany.
        ids = list(accepted)
        taken = set(db.session.scalars(select(VisitEvent.id).where(VisitEvent.id.in_(ids))))
        taken_seqs = set(db.session.scalars(select(VisitEvent.device_seq).where(
            VisitEvent.device_id == device.id,
            VisitEvent.device_seq.in_([r["device_seq"] for r in accepted.values()]))))
        new_rows = []
        for row in accepted.values():
            if row["id"] in taken or row["device_seq"] in taken_seqs:
                continue
            taken_seqs.add(row["device_seq"])  # a second event with this seq in the batch is a conflict
            new_rows.append(row)
        inserted = sqlite_insert_new(VisitEvent.__table__, new_rows)
    elif accepted:
        # PostgreSQL: concurrent pushes may race; the unique constraints decide, RETURNING tells.
        inserted = pg_insert_new(VisitEvent.__table__, list(accepted.values()))
    missing = [i for i in accepted if i not in inserted]
    known = {}
    if missing:
        known = {r.id: r for r in db.session.execute(select(*STORED_EVENT).where(among(VisitEvent.id, missing)))}
    replaced: dict[str, object] = {}  # event id -> the stored version it displaced
    for event_id, row in accepted.items():
        stored = known.get(event_id)
        if event_id in inserted:
            ack["stored"].append(event_id)
        elif stored is not None and stored.content_hash == row["content_hash"]:
            ack["duplicate"].append(event_id)
        elif (stored is not None and row["content_hash"] < stored.content_hash and stored.office_id == office_id
              and _seq_free(device, row)):
            # Two versions of one id: the smaller content hash wins, whichever came first
            # (as derive_visit decides), so every server and tablet ends with the same one.
            _replace_event(row, stored, dialect)
            replaced[event_id] = stored
            ack["stored"].append(event_id)
            quarantine(_stored_event(stored), "event", {"id": "same id, different content"},
                       seq=stored.device_seq, kind=None, device_id=stored.device_id, digest=stored.content_hash,
                       message="same id, different content: replaced by the version with the smaller content hash")
        else:
            message = ("same id, different content" if stored is not None
                       else "sequence number already used by another event")
            original = originals[event_id]
            quarantine(original, "event", {"id": message}, seq=original["seq"], kind="conflict",
                       message=message, digest=row["content_hash"])
    inserted |= set(replaced)
    for event, digest in in_batch_dupes:
        if accepted[event["id"]]["content_hash"] == digest:
            continue  # the same record twice in one batch: its id already has its outcome
        else:
            quarantine(event, "event", {"id": "same id, different content"}, seq=event["seq"], kind="conflict",
                       message="same id, different content", digest=digest)

    # 3. Surveys (before the visit locks, so two pushes never wait on each other crosswise).
    for survey in surveys:
        ingest_survey(device, office_id, survey, now, ack, quarantine, dialect)

    if quarantine_rows:
        # A record refused before (a re-sent batch, a replay still wrong) is kept once.
        db.session.execute(dialect_insert(Quarantine.__table__, dialect).on_conflict_do_nothing(), quarantine_rows)

    # 4. Derive each touched visit once.
    touched = {accepted[i]["visit_id"] for i in inserted} | {old.visit_id for old in replaced.values()}
    if touched:
        lock_visits(touched)
        fresh = {i: dict(canonicals[i], device_id=device.id) for i in inserted}
        derive_and_store(touched, office_id, dialect, now, fresh, {device.id: device.uid}, hosts)
        # A guest may have answered by phone before the visit reached the server.
        from .survey_links import attach_phone_surveys
        attach_phone_surveys(touched - set(existing_visits), office_id, now)

    # 5. Device sync state.
    _update_device_state(device, [e for e in valid if e["id"] in inserted or e["id"] in ack["duplicate"]],
                         [r["device_seq"] for r in quarantine_rows if r["device_seq"]], now)
    result = {"ack": ack, "acked_seq": device.acked_seq, "highest_seq": device.highest_seq}
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    if quarantine_rows:
        log.info("push quarantined records", extra={"device_id": device.id,
                                                      "count": len(quarantine_rows)})
    return result


# What a stored event is read back as when a pushed one has its id.
STORED_EVENT = (VisitEvent.id, VisitEvent.content_hash, VisitEvent.office_id, VisitEvent.device_id,
                VisitEvent.device_seq, VisitEvent.visit_id, VisitEvent.kind, VisitEvent.actor, VisitEvent.step,
                VisitEvent.device_time, VisitEvent.clock_offset_ms, VisitEvent.payload)


def _seq_free(device: Device, row: dict) -> bool:
    """Return True when no other event of this device holds the row's seq."""
    return db.session.scalar(select(func.count()).select_from(VisitEvent).where(
        VisitEvent.device_id == device.id, VisitEvent.device_seq == row["device_seq"],
        VisitEvent.id != row["id"])) == 0


def _replace_event(row: dict, stored, dialect: str) -> None:
    """Put the winning version of an event in place of the stored one."""
    db.session.execute(VisitEvent.__table__.delete().where(
        VisitEvent.id == stored.id, VisitEvent.content_hash == stored.content_hash))
    if dialect == "postgresql":
        if not pg_insert_new(VisitEvent.__table__, [row]):
            raise SyncError(409, "conflict", "Another push changed this event meanwhile; send again.")
    else:
        db.session.execute(dialect_insert(VisitEvent.__table__, dialect), [row])


def _stored_event(stored) -> dict:
    """Return a stored event in protocol shape (personal fields still sealed)."""
    return {"id": stored.id, "visit_id": stored.visit_id, "seq": stored.device_seq, "kind": stored.kind,
            "actor": stored.actor, "step": stored.step or None, "device_time": format_time(stored.device_time),
            "clock_offset_ms": stored.clock_offset_ms, "payload": stored.payload or {}}


def _update_device_state(device: Device, events: list[dict], quarantined_seqs: list[int],
                         now: datetime) -> None:
    seqs = [e["seq"] for e in events] + quarantined_seqs
    if events:
        latest = max(events, key=lambda e: e["seq"])
        device.clock_skew_ms = latest.get("clock_offset_ms") or 0
    highest = max([device.highest_seq or 0, *seqs])
    acked = device.acked_seq or 0
    have = set(seqs)  # the usual push continues right after the acked sequence number
    while acked + 1 in have:
        acked += 1
    if highest > acked:  # a gap: earlier pushes may have stored what lies beyond it
        have.update(db.session.scalars(select(VisitEvent.device_seq).where(
            VisitEvent.device_id == device.id, VisitEvent.device_seq > acked)))
        have.update(db.session.scalars(select(Quarantine.device_seq).where(
            Quarantine.device_id == device.id, Quarantine.device_seq > acked)))
        while acked + 1 in have:
            acked += 1
    device.acked_seq, device.highest_seq = acked, highest
    device.last_push_at = device.last_seen_at = now
