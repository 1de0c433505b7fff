"""Sync operations: what the API routes, the CLI, the admin pages and the demo loader call.

Public functions (each commits its own transaction unless said otherwise):

- `ingest_batch(device, events, surveys) -> dict`: store a push (sync/PROTOCOL.md, "Push")
  and return the acknowledgement. Callable without HTTP (the demo loader uses it).
- `create_enrollment_code(office, user, device_name) -> (code, expires_at)`: a one-time code.
- `enrollment_qr_svg(code) -> str`: an SVG QR (segno) of the desk app's enrol URL with the code.
- `enroll_device(code, device_name, app_version) -> (device, token)`: exchange a code.
- `revoke_device(device, user)`: the token stops working at the next request.
- `record_server_event(visit, kind, payload, actor) -> VisitEvent`: an event made on the
  server (the host inbox answering `host_received` / `host_unavailable`); it re-derives the
  visit and reaches the tablets through pull.
- `replay_quarantine(item, fixed_payload, user) -> dict`: store a corrected quarantined
  record (the whole record, e.g. the event dict) through the same path as a push; returns the ack.
- `dismiss_quarantine(item, user)`: close a quarantined record without storing it.
- `quarantine_record(item) -> dict`: the quarantined record with its personal fields decrypted,
  for the admin page that shows and edits it.
- `create_survey_link(device, visit_id) -> (token, url, expires_at)`, `find_survey_link(token)`
  and `redeem_survey_link(token, answers, profile, saran)`: see their docstrings.
- `store_blob(device, sha, data, content_type, kind) -> bool`: a photo or signature.
- `find_returning_guest(device, nik) -> dict | None`: the form fields of a returning guest's
  latest visit at the device's office (no phone, no NIK); audited when found.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from sync.rules import (canonical_event, content_hash, corrected_time, derive_visit, format_time,
                        mask_id_number, parse_time, skew_flagged, validate_event)

from .. import jsoncodec
from ..audit import record_audit
from ..changes import log_changes
from ..crypto import data_keys, nik_lookup_hash
from ..dashboard.step_store import add_step_minutes
from ..extensions import db
from ..models import (ELEMENT_KEYS, Attachment, Device, EnrollmentCode, Host, Office, Quarantine,
                      Service, SurveyLink, SurveyResponse, Visit, VisitEvent)
from ..models.base import among
from ..nik import clean_nik
from .pull import tablet_json

log = logging.getLogger("sitamu.sync")

MAX_BATCH_RECORDS = 500
MAX_BATCH_BYTES = 2 * 1024 * 1024
# Deepest nesting a record may have: a push is 5 levels deep (body, events, event, payload,
# correction fields); JSON columns cannot be written past 254 levels.
MAX_JSON_DEPTH = 32
ENROLL_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
ENROLL_TTL = timedelta(hours=24)
SURVEY_LINK_TTL = timedelta(hours=24)
BLOB_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n", "image/webp": b"RIFF"}
BLOB_KINDS = ("photo", "signature")
# Payload fields holding personal data: encrypted inside stored event and quarantine JSON.
SEALED = ("id_number", "phone")
SEAL_PREFIX = "enc:"
# The device of a quarantined record when it is the pushing tablet (ingest_batch).
PUSHER = object()


class SyncError(Exception):
    """A request the server refuses as a whole: becomes the API's error envelope."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}
        self.headers = headers or {}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def json_depth_error(value, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Return the path of the first value nested deeper than `limit` levels, or None.

    orjson reads up to 1024 levels but writes at most 254, so a deeper record could be read
    and then never stored (not even in quarantine): such a body is refused as it is parsed."""
    stack = [(value, 0)]
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
    paths = [(value, 0, "")]  # the rare deep body: find the path to name
    while paths:
        item, depth, path = paths.pop()
        if depth > limit:
            return path or "body"
        pairs = item.items() if type(item) is dict else enumerate(item)
        paths.extend((child, depth + 1, f"{path}.{key}" if path else str(key)) for key, child in pairs
                     if type(child) is dict or type(child) is list)
    return None


# --- personal data inside JSON ------------------------------------------------------------

def _seal_dict(values: dict) -> dict:
    out = dict(values)
    for name in SEALED:
        value = out.get(name)
        if isinstance(value, str) and value and not value.startswith(SEAL_PREFIX):
            out[name] = SEAL_PREFIX + data_keys().encrypt(value)
    return out


def _unseal_dict(values: dict) -> dict:
    out = dict(values)
    for name in SEALED:
        value = out.get(name)
        if isinstance(value, str) and value.startswith(SEAL_PREFIX):
            out[name] = data_keys().decrypt(value[len(SEAL_PREFIX):])
    return out


def seal_payload(kind: str, payload: dict) -> dict:
    """Return the payload with NIK and phone encrypted, as it is stored."""
    if kind == "registration":
        return _seal_dict(payload)
    if kind == "correction" and isinstance(payload.get("fields"), dict):
        return dict(payload, fields=_seal_dict(payload["fields"]))
    return payload


def unseal_payload(kind: str, payload: dict) -> dict:
    """Return a stored payload with NIK and phone decrypted."""
    if kind == "registration":
        return _unseal_dict(payload)
    if kind == "correction" and isinstance(payload.get("fields"), dict):
        return dict(payload, fields=_unseal_dict(payload["fields"]))
    return payload


# A sealed value that was not a string: its JSON text, marked by a NUL (no accepted string
# holds one), so the admin sees what the tablet sent, of the type it sent.
SEALED_JSON_MARK = "\x00"


def _seal_value(value):
    if isinstance(value, str):
        return value if not value or value.startswith(SEAL_PREFIX) else SEAL_PREFIX + data_keys().encrypt(value)
    if value is None:
        return None
    return SEAL_PREFIX + data_keys().encrypt(SEALED_JSON_MARK + jsoncodec.dumps(value))


def _unseal_value(value):
    if isinstance(value, str) and value.startswith(SEAL_PREFIX):
        plain = data_keys().decrypt(value[len(SEAL_PREFIX):])
        return jsoncodec.loads(plain[1:]) if plain.startswith(SEALED_JSON_MARK) else plain
    return value


def _seal_anywhere(value):
    """Return a refused record with every personal field sealed, at any depth and whatever
    its JSON type (a NIK sent as a number, a phone outside the payload)."""
    if isinstance(value, dict):
        return {k: _seal_value(v) if k in SEALED else _seal_anywhere(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_seal_anywhere(v) for v in value]
    return value


def _unseal_anywhere(value):
    if isinstance(value, dict):
        return {k: _unseal_value(v) if k in SEALED else _unseal_anywhere(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unseal_anywhere(v) for v in value]
    return value


def _seal_record(record) -> dict:
    if not isinstance(record, dict):
        record = {"value": record}
    return _seal_anywhere(record)


def record_hash(record) -> str:
    """Return the keyed hash that names a refused record (a re-send is quarantined once).

    Keyed like the NIK lookup hash: a record may be little more than a NIK."""
    return data_keys().lookup_hash(jsoncodec.dumps_sorted(record))


def quarantine_record(item: Quarantine) -> dict:
    """Return a quarantined record as the tablet sent it (personal fields decrypted)."""
    return _unseal_anywhere(dict(item.payload or {}))


# --- enrolment and devices ------------------------------------------------------------------

def normalize_code(code: str) -> str:
    return "".join(ch for ch in str(code).upper() if ch.isalnum())


def create_enrollment_code(office: Office, user, device_name: str = "") -> tuple[str, datetime]:
    """Create a one-time enrolment code for `office`; return (code, expires_at). Commits."""
    raw = "".join(secrets.choice(ENROLL_CODE_ALPHABET) for _ in range(9))
    code = f"{raw[:3]}-{raw[3:6]}-{raw[6:]}"
    expires_at = utcnow() + ENROLL_TTL
    db.session.add(EnrollmentCode(office_id=office.id, code_hash=sha256_hex(normalize_code(code)),
                                  device_name=(device_name or "")[:120],
                                  created_by=getattr(user, "id", None), expires_at=expires_at))
    record_audit("device.enrollment_code", office_id=office.id, target_type="office",
                 target_id=office.id, user_id=getattr(user, "id", None))
    db.session.commit()
    return code, expires_at


def enrollment_url(code: str) -> str:
    """Return the desk app URL that enrols with `code` (the code rides in the fragment)."""
    base = current_app.config.get("SITAMU_PUBLIC_URL", "").rstrip("/")
    return f"{base}/app/#enroll={code}"


def enrollment_qr_svg(code: str) -> str:
    """Return an SVG QR code of the enrol URL, for the admin page to show beside the code."""
    import io

    import segno

    out = io.BytesIO()
    segno.make(enrollment_url(code), error="m").save(out, kind="svg", scale=5, border=2,
                                                      xmldecl=False, svgns=True)
    return out.getvalue().decode()


def _next_letter(office_id: int) -> str:
    used = set(db.session.scalars(select(Device.letter).where(Device.office_id == office_id)))
    singles = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    for letter in singles + [a + b for a in singles for b in singles]:
        if letter not in used:
            return letter
    raise SyncError(409, "conflict", "This office has no free tablet letter left.")


def enroll_device(code: str, device_name: str, app_version: str = "") -> tuple[Device, str]:
    """Exchange a one-time code for a device and its token (returned once). Commits."""
    import uuid

    now = utcnow()
    refused = SyncError(400, "invalid_code", "The enrolment code is wrong, used or expired.",
                        {"code": "wrong, used or expired"})
    row = db.session.scalar(select(EnrollmentCode).where(
        EnrollmentCode.code_hash == sha256_hex(normalize_code(code))))
    if row is None or row.used_at is not None or row.expires_at < now:
        raise refused
    # Spend the code with one conditional write: of two racing requests only one gets a row.
    spent = db.session.execute(update(EnrollmentCode).where(
        EnrollmentCode.id == row.id, EnrollmentCode.used_at.is_(None)).values(used_at=now))
    if spent.rowcount != 1:
        db.session.rollback()
        raise refused
    if db.session.get_bind().dialect.name == "postgresql":  # one letter per tablet of an office
        db.session.execute(text("SELECT pg_advisory_xact_lock(1, :o)"), {"o": row.office_id})
    token = secrets.token_urlsafe(32)  # 256 bits
    device = Device(uid=str(uuid.uuid4()), office_id=row.office_id,
                    name=(device_name or row.device_name or "Tablet")[:120],
                    letter=_next_letter(row.office_id), token_hash=sha256_hex(token),
                    app_version=(app_version or "")[:32], last_seen_at=now)
    db.session.add(device)
    db.session.flush()
    row.device_id = device.id
    record_audit("device.enroll", office_id=row.office_id, target_type="device",
                 target_id=device.id, device_id=device.id, user_id=row.created_by)
    db.session.commit()
    return device, token


def device_for_token(token: str) -> Device | None:
    """Return the device holding this bearer token, revoked or not, or None."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(select(Device).where(Device.token_hash == sha256_hex(token)))


def revoke_device(device: Device, user) -> None:
    """Revoke a tablet: its next request gets 401. Commits."""
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        device.token_hash = None
        record_audit("device.revoke", office_id=device.office_id, target_type="device",
                     target_id=device.id, user_id=getattr(user, "id", None))
    db.session.commit()


# --- push ----------------------------------------------------------------------------------

def _insert(table, dialect_name: str):
    module = postgresql if dialect_name == "postgresql" else sqlite
    return module.insert(table)


def _pg_insert_new(table, rows: list[dict]) -> set:
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


def _event_row(event: dict, device: Device | None, office_id: int, now: datetime) -> tuple[dict, dict]:
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


def _lock_visits(visit_ids) -> None:
    """Serialise derivation per visit on PostgreSQL (SQLite serialises every writer)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    # One round trip; keys taken in sorted order so two pushes never deadlock on each other.
    db.session.execute(text(
        "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtext(v) AS k "
        "FROM unnest(CAST(:ids AS text[])) AS v ORDER BY k) AS keys"), {"ids": sorted(visit_ids)})


def ingest_batch(device: Device, events, surveys=None, *, office_code: str | None = None,
                 commit: bool = True, pending: int | None = None) -> dict:
    """Store a pushed batch in one transaction and return its acknowledgement.

    Every record gets exactly one outcome: stored, duplicate, quarantined or conflict.
    `pending` is the tablet's reported outbox size, saved with the device row.
    Raises SyncError for a request refused as a whole (nothing is stored then).
    """
    events = events or []
    surveys = surveys or []
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
            "record_type": record_type, "payload": _seal_record(record), "errors": errors,
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
            prepared.append((event, *_event_row(event, device, office_id, now)))

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
        inserted = _sqlite_insert_new(VisitEvent.__table__, new_rows)
    elif accepted:
        # PostgreSQL: concurrent pushes may race; the unique constraints decide, RETURNING tells.
        inserted = _pg_insert_new(VisitEvent.__table__, list(accepted.values()))
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
        _ingest_survey(device, office_id, survey, now, ack, quarantine, dialect)

    if quarantine_rows:
        # A record refused before (a re-sent batch, a replay still wrong) is kept once.
        db.session.execute(_insert(Quarantine.__table__, dialect).on_conflict_do_nothing(), quarantine_rows)

    # 4. Derive each touched visit once.
    touched = {accepted[i]["visit_id"] for i in inserted} | {old.visit_id for old in replaced.values()}
    if touched:
        _lock_visits(touched)
        fresh = {i: dict(canonicals[i], device_id=device.id) for i in inserted}
        _derive_and_store(touched, office_id, dialect, now, fresh, {device.id: device.uid}, hosts)
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


def _sqlite_insert_new(table, rows: list[dict]) -> set:
    """Insert rows the caller found free under SQLite's write lock; return the ids stored.

    The count of rows written is checked, so an id is never acknowledged unless stored."""
    if not rows:
        return set()
    result = db.session.execute(_insert(table, "sqlite").on_conflict_do_nothing(), rows)
    ids = {r["id"] for r in rows}
    if result.rowcount != len(rows):
        ids = set(db.session.scalars(select(table.c.id).where(table.c.id.in_(ids))))
    return ids


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
        if not _pg_insert_new(VisitEvent.__table__, [row]):
            raise SyncError(409, "conflict", "Another push changed this event meanwhile; send again.")
    else:
        db.session.execute(_insert(VisitEvent.__table__, dialect), [row])


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
        stmt = _insert(table, dialect)
        # A visit whose personal data retention removed stays as it is: late events do not refill it.
        stmt = stmt.on_conflict_do_update(index_elements=[table.c.id], set_={
            name: stmt.excluded[name] for name in keys if name not in ("id", "office_id", "purged_at")},
            where=table.c.purged_at.is_(None))
        _UPSERTS[(dialect, keys)] = stmt
    return stmt


def _derive_and_store(visit_ids: set[str], office_id: int, dialect: str, now: datetime,
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


# --- surveys -------------------------------------------------------------------------------

SURVEY_PROFILE = {"gender": ("L", "P", ""), "age_band": 8, "education": 16, "occupation": 32}
SURVEY_SOURCES = ("kiosk", "phone", "paper")


def validate_survey(survey) -> dict[str, str]:
    """Return {field: why} for a survey response; empty when it is valid."""
    if not isinstance(survey, dict):
        return {"": "a survey response must be an object"}
    errors = {}
    from sync.rules import _is_uuid  # one UUID check for events and surveys

    if not _is_uuid(survey.get("id")):
        errors["id"] = "must be a UUID"
    if survey.get("visit_id") is not None and not _is_uuid(survey.get("visit_id")):
        errors["visit_id"] = "must be a UUID or null"
    if parse_time(survey.get("submitted_at")) is None:
        errors["submitted_at"] = "must be an ISO 8601 UTC time"
    if survey.get("source", "kiosk") not in SURVEY_SOURCES:
        errors["source"] = "must be kiosk, phone or paper"
    answers = survey.get("answers")
    if not isinstance(answers, dict):
        errors["answers"] = "must be an object keyed by element"
    else:
        for key in set(answers) - set(ELEMENT_KEYS):
            errors[f"answers.{key}"] = "unknown element"
        for key in ELEMENT_KEYS:
            value = answers.get(key)
            if value is not None and (type(value) is not int or not 1 <= value <= 4):
                errors[f"answers.{key}"] = "must be 1-4 or null"
        if not errors and all(answers.get(k) is None for k in ELEMENT_KEYS):
            errors["answers"] = "at least one element must be answered"
    profile = survey.get("profile") or {}
    if not isinstance(profile, dict):
        errors["profile"] = "must be an object"
    else:
        for key, rule in SURVEY_PROFILE.items():
            value = profile.get(key, "")
            if not isinstance(value, str) or (isinstance(rule, tuple) and value not in rule) or (
                    isinstance(rule, int) and len(value) > rule):
                errors[f"profile.{key}"] = "invalid value"
        for key in set(profile) - set(SURVEY_PROFILE):
            errors[f"profile.{key}"] = "unknown field"
    for key in ("service_id", "host_id"):
        value = survey.get(key)
        if value is not None and (type(value) is not int or value < 1 or value > 2**53):
            errors[key] = "must be an id or null"
    saran = survey.get("saran", "")
    if not isinstance(saran, str) or len(saran) > 4000:
        errors["saran"] = "must be text of at most 4000 characters"
    allowed = {"id", "visit_id", "submitted_at", "source", "answers", "profile", "service_id",
               "host_id", "saran"}
    for key in set(survey) - allowed:
        errors[key] = "unknown field"
    return errors


def _survey_row(survey: dict, office_id: int, device_id: int | None, now: datetime) -> dict:
    profile = survey.get("profile") or {}
    row = {"id": survey["id"], "office_id": office_id, "visit_id": survey.get("visit_id"),
           "service_id": survey.get("service_id"), "host_id": survey.get("host_id"),
           "device_id": device_id, "source": survey.get("source", "kiosk"),
           "saran": survey.get("saran") or "", "submitted_at": parse_time(survey["submitted_at"]),
           "received_at": now, "batch": ""}
    row.update({k: profile.get(k, "") for k in SURVEY_PROFILE})
    row.update({k: survey["answers"].get(k) for k in ELEMENT_KEYS})
    return row


SURVEY_COMPARE = ("visit_id", "service_id", "host_id", "source", "saran", *SURVEY_PROFILE, *ELEMENT_KEYS)


def _ingest_survey(device, office_id, survey, now, ack, quarantine, dialect) -> None:
    errors = validate_survey(survey)
    if not errors and survey.get("visit_id") is not None:
        # Only a visit of the tablet's own office: another office's visit (known by its id)
        # must not be answered for, nor have its own guest's response blocked.
        visit_office = db.session.scalar(select(Visit.office_id).where(Visit.id == survey["visit_id"]))
        if visit_office is not None and visit_office != office_id:
            errors["visit_id"] = "belongs to another office"
    if not errors:
        for key, model in (("service_id", Service), ("host_id", Host)):
            if survey.get(key) is not None and db.session.scalar(select(model.office_id).where(
                    model.id == survey[key])) != office_id:
                errors[key] = f"unknown {key[:-3]} for this office"
    if errors:
        quarantine(survey, "survey", errors)
        return
    row = _survey_row(survey, office_id, device.id if device else None, now)
    table = SurveyResponse.__table__
    stmt = _insert(table, dialect).on_conflict_do_nothing().returning(table.c.id)
    if db.session.execute(stmt, [row]).scalars().all():
        ack["stored"].append(row["id"])
        return
    existing = db.session.get(SurveyResponse, row["id"])
    if existing is not None and all(getattr(existing, k) == row[k] for k in SURVEY_COMPARE):
        ack["duplicate"].append(row["id"])
        return
    message = ("same id, different content" if existing is not None
               else "this visit already has a survey response")
    quarantine(survey, "survey", {"id" if existing else "visit_id": message}, kind="conflict", message=message)


# --- events made on the server ---------------------------------------------------------------

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
    row, _ = _event_row(event, None, visit.office_id, now)
    dialect = db.session.get_bind().dialect.name
    db.session.execute(_insert(VisitEvent.__table__, dialect), [row])
    _lock_visits({visit.id})
    _derive_and_store({visit.id}, visit.office_id, dialect, now)
    db.session.commit()
    db.session.expire(visit)
    return db.session.get(VisitEvent, row["id"])


# --- quarantine ----------------------------------------------------------------------------

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


# --- survey links --------------------------------------------------------------------------

def create_survey_link(device: Device, visit_id: str) -> tuple[str, str, datetime]:
    """Create a one-time survey link for a visit of the device's office; return
    (token, url, expires_at). The token is shown once and stored only as its SHA-256. Commits."""
    visit = db.session.get(Visit, visit_id) if isinstance(visit_id, str) else None
    if visit is None:
        raise SyncError(404, "not_found", "No such visit on the server yet; push it first.",
                        {"visit_id": "unknown visit"})
    if visit.office_id != device.office_id:
        raise SyncError(403, "forbidden", "The visit belongs to another office.",
                        {"visit_id": "another office's visit"})
    token = secrets.token_urlsafe(24)
    expires_at = utcnow() + SURVEY_LINK_TTL
    db.session.add(SurveyLink(office_id=visit.office_id, visit_id=visit.id, device_id=device.id,
                              token_hash=sha256_hex(token), expires_at=expires_at))
    db.session.commit()
    base = current_app.config.get("SITAMU_PUBLIC_URL", "").rstrip("/")
    return token, f"{base}/p/survey/{token}", expires_at


def find_survey_link(token: str) -> SurveyLink | None:
    """Return the usable (unused, unexpired) link for `token`, or None. A link the tablet
    minted itself (server/api/survey_links.py) is an unsaved SurveyLink until it is answered."""
    if not isinstance(token, str) or not 10 <= len(token) <= 120:
        return None
    link = db.session.scalar(select(SurveyLink).where(SurveyLink.token_hash == sha256_hex(token)))
    if link is None:
        link = _minted_link(token, utcnow())
    if link is None or link.used_at is not None or link.expires_at < utcnow():
        return None
    return link


def _minted_link(token: str, now: datetime) -> SurveyLink | None:
    """Return an unsaved link for a valid minted token whose visit (known yet or not) is of the
    tablet's office and has no response, else None."""
    from .survey_links import is_minted, parse_minted

    minted = parse_minted(token, now) if is_minted(token) else None
    if minted is None:
        return None
    visit_office = db.session.scalar(select(Visit.office_id).where(Visit.id == minted.visit_id))
    if visit_office is not None and visit_office != minted.device.office_id:
        return None
    if db.session.scalar(select(func.count()).select_from(SurveyResponse).where(
            SurveyResponse.visit_id == minted.visit_id)):
        return None
    return SurveyLink(office_id=minted.device.office_id, visit_id=minted.visit_id, device_id=minted.device.id,
                      token_hash=sha256_hex(token), expires_at=minted.expires_at, created_at=now)


def redeem_survey_link(token: str, answers: dict, profile: dict | None = None,
                       saran: str = "") -> SurveyResponse:
    """Store the survey answered through a one-time link, spend the link and complete the
    visit's SKM step. Commits.

    `answers` is {element key: 1-4 or None}; `profile` {gender, age_band, education,
    occupation}. A link the tablet minted offline works before its visit reached the server:
    the response is kept and attached (host or service, SKM step) when the visit arrives.
    Raises SyncError: 404 `invalid_link` (unknown, used, expired or forged), 400
    `invalid_request` with `fields` for bad answers, 409 `conflict` when the visit already has
    a response.
    """
    import uuid

    from sqlalchemy.exc import IntegrityError

    from .survey_links import complete_survey_step

    now = utcnow()
    survey = {"id": str(uuid.uuid4()), "visit_id": None, "submitted_at": format_time(now),
              "source": "phone", "answers": answers, "profile": profile or {}, "saran": saran or ""}
    errors = validate_survey(survey)
    if errors:
        raise SyncError(400, "invalid_request", "The answers are not valid.", errors)
    link = db.session.scalar(select(SurveyLink).where(
        SurveyLink.token_hash == sha256_hex(token or "")).with_for_update()) if token else None
    if link is None and isinstance(token, str):
        link = _minted_link(token, now)
        if link is not None:
            db.session.add(link)
    if link is None or link.used_at is not None or link.expires_at < now:
        db.session.rollback()
        raise SyncError(404, "invalid_link", "This survey link is unknown, used or expired.")
    link.used_at = now
    try:
        # Spend the link first: a second answer through it fails here, and on SQLite this
        # takes the write lock, so the visit read below cannot be created meanwhile by a push.
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise SyncError(404, "invalid_link", "This survey link is unknown, used or expired.") from None
    _lock_visits({link.visit_id})  # a push creating this visit waits, or has finished
    visit = db.session.get(Visit, link.visit_id)
    if visit is not None and visit.office_id != link.office_id:
        db.session.rollback()
        raise SyncError(404, "invalid_link", "This survey link is unknown, used or expired.")
    survey.update(visit_id=link.visit_id, service_id=visit.service_id if visit else None,
                  host_id=visit.host_id if visit else None)
    if db.session.scalar(select(func.count()).select_from(SurveyResponse).where(
            SurveyResponse.visit_id == link.visit_id)):
        db.session.rollback()
        raise SyncError(409, "conflict", "This visit already has a survey response.")
    response = SurveyResponse(**_survey_row(survey, link.office_id, None, now))
    db.session.add(response)
    link.response_id = response.id
    try:
        db.session.flush()
    except IntegrityError:  # answered a moment ago through another link of the same visit
        db.session.rollback()
        raise SyncError(409, "conflict", "This visit already has a survey response.") from None
    if visit is not None:
        complete_survey_step(visit, now)
    db.session.commit()
    return response


# --- returning guests ----------------------------------------------------------------------

# What a returning guest would otherwise retype. Never the phone (a lobby tablet keeps only
# what the desk needs; the guest types it again) and never the NIK (the guest just typed it).
RETURNING_GUEST_FIELDS = ("id_type", "name", "institution", "address")


def find_returning_guest(device: Device, nik: str) -> dict | None:
    """Return the form fields of the latest visit of the device's office by the guest with this
    NIK, or None. Commits.

    Only visits still inside the office's retention period and not purged count (the nightly
    purge may not have run yet). A hit is audited by visit id; the NIK itself is turned into the
    keyed lookup hash at once and never stored, logged or returned.
    """
    now = utcnow()
    cutoff = now - timedelta(days=device.office.retention_days)
    row = db.session.execute(
        select(Visit.id, *(getattr(Visit, name) for name in RETURNING_GUEST_FIELDS))
        .where(Visit.office_id == device.office_id,
               Visit.nik_hash == nik_lookup_hash(clean_nik(nik)),
               Visit.purged_at.is_(None),
               func.coalesce(Visit.registered_at, Visit.updated_at) >= cutoff)
        .order_by(Visit.registered_at.desc().nulls_last(), Visit.id.desc()).limit(1)).first()
    device.last_seen_at = now
    if row is not None:
        record_audit("guest.lookup", office_id=device.office_id, target_type="visit", target_id=row.id,
                     device_id=device.id)
    db.session.commit()
    return {name: getattr(row, name) for name in RETURNING_GUEST_FIELDS} if row is not None else None


# --- blobs ---------------------------------------------------------------------------------

def store_blob(device: Device, sha: str, data: bytes, content_type: str, kind: str = "photo") -> bool:
    """Store a photo or signature named by its SHA-256; return True if new. Commits.

    Raises SyncError: 400 hash_mismatch (a cut-off upload), 413 too_large, 415 unsupported_type.
    """
    content_type = (content_type or "").split(";")[0].strip().lower()
    if content_type not in BLOB_TYPES:
        raise SyncError(415, "unsupported_type", "Photos and signatures are JPEG, PNG or WebP.",
                        {"Content-Type": "must be image/jpeg, image/png or image/webp"})
    if kind not in BLOB_KINDS:
        raise SyncError(400, "invalid_request", "kind must be photo or signature.", {"kind": "photo or signature"})
    limit = current_app.config.get("SITAMU_BLOB_MAX_BYTES", 512 * 1024)
    if len(data) > limit:
        raise SyncError(413, "too_large", f"A blob holds at most {limit} bytes.")
    if hashlib.sha256(data).hexdigest() != sha:
        raise SyncError(400, "hash_mismatch", "The bytes do not match their SHA-256; nothing was stored.",
                        {"sha256": "does not match the body"})
    magic = BLOB_TYPES[content_type]
    if not data.startswith(magic) or (content_type == "image/webp" and data[8:12] != b"WEBP"):
        raise SyncError(415, "unsupported_type", "The bytes are not the image type named.",
                        {"Content-Type": "does not match the bytes"})
    dialect = db.session.get_bind().dialect.name
    table = Attachment.__table__
    stmt = _insert(table, dialect).on_conflict_do_nothing().returning(table.c.sha256)
    created = bool(db.session.execute(stmt, [{
        "sha256": sha, "office_id": device.office_id, "kind": kind, "content_type": content_type,
        "size": len(data), "data": data, "created_at": utcnow()}]).scalars().all())
    if created:
        _blob_arrived(device.office_id, sha)
    device.last_seen_at = utcnow()
    db.session.commit()
    return created


def _blob_arrived(office_id: int, sha: str) -> None:
    """Clear "photo pending" on the office's visits that were waiting for this blob."""
    visits = db.session.scalars(select(Visit).where(
        Visit.office_id == office_id, (Visit.photo_sha == sha) | (Visit.signature_sha == sha)))
    for visit in visits:
        state = dict(visit.state or {})
        if visit.photo_sha == sha:
            state["photo_pending"] = False
        if visit.signature_sha == sha:
            state["signature_pending"] = False
        visit.state = state  # the change-log hook tells the tablets


def blob_exists(sha: str) -> bool:
    return db.session.scalar(select(func.count()).select_from(Attachment).where(Attachment.sha256 == sha)) > 0


__all__ = [
    "SyncError", "blob_exists", "create_enrollment_code", "create_survey_link", "device_for_token",
    "dismiss_quarantine", "enroll_device", "enrollment_qr_svg", "find_returning_guest", "find_survey_link",
    "ingest_batch", "quarantine_record", "record_server_event", "redeem_survey_link", "replay_quarantine",
    "revoke_device", "store_blob",
]
