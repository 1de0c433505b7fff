"""Pull: what a tablet needs from its office, by a server-assigned cursor (sync/PROTOCOL.md).

The cursor is opaque to the tablet. Inside it is one of:
- "" (empty): start a snapshot: office, hosts, services, staff, open survey links, then the
  office's recent visits in pages; the change-log watermark is read *before* the data, so
  anything that changes meanwhile is sent again afterwards (a put is idempotent).
- "s.<tx>.<id>.<last visit id>.<issued>": a snapshot in progress.
- "c.<tx>.<id>.<issued>": change-log mode, after (tx_id, id).
An unreadable cursor, or one not used for CURSOR_MAX_AGE, answers `reset: true`.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone

import orjson
from flask import current_app
from sqlalchemy import event, func, or_, select, text, tuple_

from sync.rules import FINAL_STAGES, LIFECYCLE_KEYS, format_time, mask_id_number

from .. import jsoncodec
from ..appointments.tickets import office_private_key, public_jwk
from ..extensions import db
from ..models import ChangeLog, Device, Host, Office, Service, StaffUser, SurveyLink, Visit
from ..models.base import among

log = logging.getLogger("sitamu.sync")

CURSOR_MAX_AGE = timedelta(days=30)
DEFAULT_LIMIT = 500
MAX_LIMIT = 5000
TAIL = 2**62  # "every id of this transaction"


class CursorError(ValueError):
    pass


def _now() -> datetime:
    return datetime.now(timezone.utc)


def parse_cursor(cursor: str) -> tuple:
    """Return ("snapshot", tx, id, last_visit) or ("log", tx, id); raise CursorError."""
    if len(cursor or "") > 200:  # longer than any cursor the server writes
        raise CursorError("unreadable cursor")
    parts = (cursor or "").split(".")
    try:
        if parts[0] == "s" and len(parts) == 5:
            mode, tx, cid, last, issued = "snapshot", int(parts[1]), int(parts[2]), parts[3], int(parts[4])
        elif parts[0] == "c" and len(parts) == 4:
            mode, tx, cid, last, issued = "log", int(parts[1]), int(parts[2]), "", int(parts[3])
        else:
            raise CursorError("unknown cursor")
    except ValueError as exc:
        raise CursorError("unreadable cursor") from exc
    # The server writes tx below 2^62 and cid at most TAIL: anything else (2^63 overflows a
    # BIGINT) was never handed out.
    if not -1 <= tx < TAIL or not 0 <= cid <= TAIL or len(last) > 36:
        raise CursorError("cursor out of range")
    if time.time() - issued > CURSOR_MAX_AGE.total_seconds() or issued > time.time() + 86400:
        raise CursorError("cursor too old")
    return (mode, tx, cid, last)


def _make_cursor(mode: str, tx: int, cid: int, last: str = "") -> str:
    issued = int(time.time())
    if mode == "snapshot":
        return f"s.{tx}.{cid}.{last}.{issued}"
    return f"c.{tx}.{cid}.{issued}"


def _is_pg() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _watermark(office_id: int) -> tuple[int, int]:
    """Return the position such that every change after it is still to be sent."""
    if _is_pg():
        xmin = db.session.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
        return xmin - 1, TAIL
    last = db.session.scalar(select(func.max(ChangeLog.id)).where(ChangeLog.office_id == office_id))
    return 0, last or 0


# --- what each entity looks like on the tablet --------------------------------------------

def office_data(office: Office) -> dict:
    try:
        from ..sop import resolve_template
        template = resolve_template(office)
    except Exception:  # an office whose template key is unknown still syncs the rest
        log.warning("office template could not be resolved", extra={"office_id": office.id})
        template = None
    return {"id": office.id, "code": office.code, "name": office.name, "region": office.region,
            "timezone": office.timezone, "tz_label": office.tz_label, "letterhead": office.letterhead,
            "address": office.address, "phone": office.phone, "sop_template": office.sop_template,
            "sop_minutes": office.sop_minutes or {}, "sop": template,
            "visit_time_limit": office.visit_time_limit, "staff_lock_minutes": office.staff_lock_minutes,
            # The base of the phone-survey links the tablet mints (the guest's phone opens it).
            "public_url": current_app.config.get("SITAMU_PUBLIC_URL", "").rstrip("/"),
            "device_retention_days": office.device_retention_days, "logo_sha": office.logo_sha,
            # Verifies appointment QR tickets offline (sync/PROTOCOL.md "Appointments").
            "ticket_public_key": public_jwk(office) if office.ticket_key else None}


def host_data(host: Host) -> dict:
    return {"id": host.id, "name": host.name, "position": host.position, "tier": host.tier,
            "unit": host.unit, "aide_name": host.aide_name, "aide_role": host.aide_role,
            "phone": host.phone, "available": host.available,
            "unavailable_reason": host.unavailable_reason, "active": host.active}


def service_data(service: Service) -> dict:
    return {"id": service.id, "name": service.name, "description": service.description,
            "active": service.active}


def staff_data(user: StaffUser) -> dict:
    # The PIN hash lets the desk check a PIN offline; passwords never leave the server.
    return {"id": user.id, "name": user.name, "role": user.role, "host_id": user.host_id,
            "active": user.active, "pin_hash": user.pin_hash}


def survey_link_data(link: SurveyLink) -> dict:
    return {"id": link.id, "visit_id": link.visit_id, "expires_at": format_time(link.expires_at),
            "used": link.used_at is not None}


VISIT_STATE_KEYS = ("verified", "fields_to_correct", "steps", "step_last", "feedback", "time_limit_minutes",
                    "host_notified_at", "host_received_at", "has_registration", "on_site", "skew_flagged",
                    *LIFECYCLE_KEYS)


def visit_data(visit, device_uid: str | None) -> dict:
    """Return what a tablet sees of a visit (a Visit, a row of VISIT_COLUMNS or a namespace
    of a visit row); `device_uid` is the uid of the tablet that registered it."""
    state = visit.state or {}
    masked = state.get("id_number_masked")
    if masked is None:  # visits derived before the mask was kept in the state
        masked = mask_id_number(visit.id_number if isinstance(visit, Visit) else None)
    return {
        "id": visit.id, "stage": visit.stage, "queue_number": visit.queue_number,
        "id_type": visit.id_type, "id_number_masked": masked,
        "name": visit.name, "institution": visit.institution, "purpose": visit.purpose,
        "host_id": visit.host_id, "service_id": visit.service_id, "tier": visit.tier,
        "card_number": visit.card_number, "ktp_held": visit.ktp_held,
        "locker_number": visit.locker_number, "screening": visit.screening,
        "unavailable_reason": visit.unavailable_reason, "cancel_reason": visit.cancel_reason,
        "photo_sha": visit.photo_sha, "photo_pending": bool(state.get("photo_pending")),
        "signature_pending": bool(state.get("signature_pending")),
        "registered_at": format_time(visit.registered_at), "admitted_at": format_time(visit.admitted_at),
        "finished_at": format_time(visit.finished_at), "checked_out_at": format_time(visit.checked_out_at),
        "device": device_uid, "event_count": visit.event_count,
        "state": {k: state.get(k) for k in VISIT_STATE_KEYS},
    }


# The columns visit_data reads: a snapshot selects only these (no ORM objects, no decryption).
VISIT_COLUMNS = (Visit.id, Visit.stage, Visit.queue_number, Visit.id_type, Visit.name, Visit.institution,
                 Visit.purpose, Visit.host_id, Visit.service_id, Visit.tier, Visit.card_number,
                 Visit.ktp_held, Visit.locker_number, Visit.screening, Visit.unavailable_reason,
                 Visit.cancel_reason, Visit.photo_sha, Visit.registered_at, Visit.admitted_at,
                 Visit.finished_at, Visit.checked_out_at, Visit.device_id, Visit.event_count, Visit.state)


def tablet_json(visit, device_uid: str | None) -> str:
    """Return visit_data as JSON text: the value of Visit.tablet_json."""
    return jsoncodec.dumps(visit_data(visit, device_uid))


@event.listens_for(Visit, "before_insert")
@event.listens_for(Visit, "before_update")
def _refresh_tablet_json(mapper, connection, visit: Visit) -> None:
    """Keep Visit.tablet_json true on every ORM write (blob arrival, corrections, retention);
    the push path writes it with its own upsert (derive.derive_and_store)."""
    if visit.stage is None:  # an insert before column defaults: the pull builds it (_visit_views)
        return
    uid = connection.scalar(select(Device.uid).where(Device.id == visit.device_id)) if visit.device_id else None
    visit.tablet_json = tablet_json(visit, uid)


def _visit_views(office: Office, rows) -> dict[str, orjson.Fragment]:
    """Return {visit id: the stored JSON of the visit} for rows of (id, tablet_json); a row
    written before the column existed is built from its columns."""
    views = {row.id: orjson.Fragment(row.tablet_json) for row in rows if row.tablet_json is not None}
    missing = [row.id for row in rows if row.tablet_json is None]
    if missing:
        uids = _device_uids(office.id)
        for visit in db.session.execute(select(*VISIT_COLUMNS).where(Visit.id.in_(missing))):
            views[visit.id] = orjson.Fragment(tablet_json(visit, uids.get(visit.device_id)))
    return views


def _visit_window(office: Office):
    """Return the condition for the visits a tablet keeps: recent days, or still on site."""
    local_midnight = datetime.now(office.tz).replace(hour=0, minute=0, second=0, microsecond=0)
    since = (local_midnight - timedelta(days=max(office.device_retention_days or 0, 0))).astimezone(timezone.utc)
    return (Visit.office_id == office.id) & Visit.purged_at.is_(None) & or_(
        Visit.registered_at >= since, Visit.stage.not_in(FINAL_STAGES))


def _device_uids(office_id: int) -> dict:
    return dict(db.session.execute(select(Device.id, Device.uid).where(Device.office_id == office_id)).all())


def _reference_changes(office: Office) -> list[dict]:
    changes = [{"entity": "office", "id": str(office.id), "op": "put", "data": office_data(office)}]
    for host in db.session.scalars(select(Host).where(Host.office_id == office.id).order_by(Host.id)):
        changes.append({"entity": "host", "id": str(host.id), "op": "put", "data": host_data(host)})
    for service in db.session.scalars(select(Service).where(Service.office_id == office.id).order_by(Service.id)):
        changes.append({"entity": "service", "id": str(service.id), "op": "put", "data": service_data(service)})
    for user in db.session.scalars(select(StaffUser).where(StaffUser.office_id == office.id).order_by(StaffUser.id)):
        changes.append({"entity": "staff", "id": str(user.id), "op": "put", "data": staff_data(user)})
    for link in db.session.scalars(select(SurveyLink).where(
            SurveyLink.office_id == office.id, SurveyLink.expires_at > _now()).order_by(SurveyLink.id)):
        changes.append({"entity": "survey_link", "id": str(link.id), "op": "put", "data": survey_link_data(link)})
    changes += _appointment_changes(office)
    return changes


def _appointment_changes(office: Office) -> list[dict]:
    """Return puts for the office's appointments a desk may check in: today and the next 7 days."""
    from ..appointments.operations import appointment_data, desk_window_query

    return [{"entity": "appointment", "id": a.id, "op": "put", "data": appointment_data(a)}
            for a in db.session.scalars(desk_window_query(office))]


def pull_changes(device: Device, cursor: str, limit: int = DEFAULT_LIMIT) -> dict:
    """Return the next page of changes for the device's office (does not commit)."""
    limit = max(1, min(limit, MAX_LIMIT))
    office = device.office
    if office.ticket_key is None:
        # The tablet needs the office's ticket key before any booking exists: made once, kept.
        office_private_key(office)
        db.session.commit()
    if not cursor:
        tx, cid = _watermark(office.id)
        return _snapshot_page(office, tx, cid, "", limit, first=True)
    try:
        mode, tx, cid, last = parse_cursor(cursor)
    except CursorError:
        return {"cursor": "", "more": True, "reset": True, "changes": []}
    if _ahead_of_log(tx, cid):
        return {"cursor": "", "more": True, "reset": True, "changes": []}
    if mode == "snapshot":
        return _snapshot_page(office, tx, cid, last, limit, first=False)
    return _log_page(office, tx, cid, limit)


def _ahead_of_log(tx: int, cid: int) -> bool:
    """Return True for a position the change log has not reached: never handed out by this
    database (a forged cursor, or one kept from before a restore), so the tablet starts again."""
    if _is_pg():
        # Transaction ids not yet assigned start at xmax.
        return tx >= db.session.scalar(text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint"))
    return tx != 0 or cid > (db.session.scalar(select(func.max(ChangeLog.id))) or 0)


def _snapshot_page(office: Office, tx: int, cid: int, last: str, limit: int, first: bool) -> dict:
    changes = _reference_changes(office) if first else []
    query = select(Visit.id, Visit.tablet_json).where(_visit_window(office))
    if last:
        query = query.where(Visit.id > last)
    visits = db.session.execute(query.order_by(Visit.id).limit(limit)).all()
    views = _visit_views(office, visits)
    changes += [{"entity": "visit", "id": v.id, "op": "put", "data": views[v.id]} for v in visits]
    if len(visits) == limit:
        return {"cursor": _make_cursor("snapshot", tx, cid, visits[-1].id), "more": True,
                "reset": False, "changes": changes}
    return {"cursor": _make_cursor("log", tx, cid), "more": True, "reset": False, "changes": changes}


def _log_page(office: Office, tx: int, cid: int, limit: int) -> dict:
    query = select(ChangeLog.tx_id, ChangeLog.id, ChangeLog.entity, ChangeLog.entity_id, ChangeLog.op).where(
        ChangeLog.office_id == office.id, tuple_(ChangeLog.tx_id, ChangeLog.id) > tuple_(tx, cid))
    if _is_pg():
        # Only transactions older than every running one: a late commit is never skipped.
        query = query.where(ChangeLog.tx_id < text("pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
    rows = db.session.execute(query.order_by(ChangeLog.tx_id, ChangeLog.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if rows:
        tx, cid = rows[-1].tx_id, rows[-1].id
    latest: dict[tuple, str] = {}
    for row in rows:
        latest.pop((row.entity, row.entity_id), None)
        latest[(row.entity, row.entity_id)] = row.op
    changes = _materialise(office, latest)
    return {"cursor": _make_cursor("log", tx, cid), "more": more, "reset": False, "changes": changes}


MODELS = {"host": (Host, host_data), "service": (Service, service_data),
          "staff": (StaffUser, staff_data), "survey_link": (SurveyLink, survey_link_data)}


def _materialise(office: Office, latest: dict[tuple, str]) -> list[dict]:
    """Turn change-log keys into puts with current data, or tombstones when the row is gone."""
    by_entity: dict[str, list[str]] = {}
    for (entity, entity_id) in latest:
        by_entity.setdefault(entity, []).append(entity_id)
    current: dict[tuple, dict | None] = {}
    for entity, ids in by_entity.items():
        if entity == "office":
            current[("office", str(office.id))] = office_data(office)
        elif entity == "visit":
            # One query for the stored views: no ORM objects, nothing rebuilt per tablet.
            found = {v.id: v for v in db.session.execute(
                select(Visit.id, Visit.tablet_json, Visit.office_id, Visit.purged_at).where(
                    among(Visit.id, ids)))}
            # A visit that changed is sent even when it has left the window (it ended, and it
            # is from an earlier day): a tablet may still show it on site, and must learn the
            # ending (a host's decline from the inbox, a return at the on-site page). A tablet
            # that never had it stores it and lets its retention purge remove it.
            views = _visit_views(office, [v for v in found.values()
                                          if v.office_id == office.id and v.purged_at is None])
            for visit_id in ids:
                visit = found.get(visit_id)
                if visit is None or visit.purged_at is not None or visit.office_id != office.id:
                    current[("visit", visit_id)] = None
                else:
                    current[("visit", visit_id)] = views[visit_id]
        elif entity == "appointment":
            from ..appointments.operations import appointment_data, visible_to_desk
            from ..models import Appointment

            found = {a.id: a for a in db.session.scalars(select(Appointment).where(among(Appointment.id, ids)))}
            for appointment_id in ids:
                appointment = found.get(appointment_id)
                current[("appointment", appointment_id)] = (
                    appointment_data(appointment) if appointment is not None and visible_to_desk(appointment, office)
                    else None)  # cancelled, declined, moved out of the window, purged: a tombstone
        elif entity in MODELS:
            model, serialise = MODELS[entity]
            int_ids = [int(i) for i in ids if i.isdigit()]
            found = {str(o.id): o for o in db.session.scalars(select(model).where(model.id.in_(int_ids)))}
            for entity_id in ids:
                obj = found.get(entity_id)
                if obj is None or getattr(obj, "office_id", office.id) != office.id:
                    current[(entity, entity_id)] = None
                else:
                    current[(entity, entity_id)] = serialise(obj)
    changes = []
    for key, op in latest.items():
        data = current.get(key)
        if op == "delete" or data is None:
            changes.append({"entity": key[0], "id": key[1], "op": "delete"})
        else:
            changes.append({"entity": key[0], "id": key[1], "op": "put", "data": data})
    return changes
