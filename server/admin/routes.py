"""Admin home and the audit log."""
import json
from datetime import datetime, timedelta, timezone

from flask import render_template, request
from flask_login import current_user

from ..access import ADMINS, roles_required, scope_query, scoped_office_ids
from ..extensions import db
from ..lifecycle import on_site_clause
from ..models import AuditLog, Device, Office, Quarantine, StaffUser, Visit
from ..webutil import csv_response, paginate
from . import bp

CUSTODY_DAYS = 30  # how far back the on-site page and the count of items held look


def scoped_offices() -> list[Office]:
    """Return the offices the current user may see, by name."""
    return db.session.scalars(scope_query(db.select(Office), Office.id).order_by(Office.name)).all()


def office_choices(blank: str | None = None) -> list[tuple[int, str]]:
    choices = [(o.id, f"{o.name} ({o.code})") for o in scoped_offices()]
    return ([(0, blank)] if blank is not None else []) + choices


@bp.route("/")
@roles_required(*ADMINS)
def index():
    """Show each office in scope with its guests on site, items held, devices and open quarantine."""
    offices = scoped_offices()
    ids = [o.id for o in offices]
    since = datetime.now(timezone.utc) - timedelta(hours=24)
    on_site = dict(db.session.execute(
        db.select(Visit.office_id, db.func.count()).where(
            Visit.office_id.in_(ids), Visit.purged_at.is_(None), on_site_clause(Visit),
            Visit.registered_at >= since)
        .group_by(Visit.office_id)).all())
    held = dict(db.session.execute(
        db.select(Visit.office_id, db.func.count()).where(
            Visit.office_id.in_(ids), Visit.purged_at.is_(None), Visit.custody_open.is_(True),
            Visit.registered_at >= datetime.now(timezone.utc) - timedelta(days=CUSTODY_DAYS))
        .group_by(Visit.office_id)).all())
    quarantined = dict(db.session.execute(
        db.select(Quarantine.office_id, db.func.count()).where(
            Quarantine.office_id.in_(ids), Quarantine.status == "open").group_by(Quarantine.office_id)).all())
    devices = dict(db.session.execute(
        db.select(Device.office_id, db.func.count()).where(
            Device.office_id.in_(ids), Device.revoked_at.is_(None)).group_by(Device.office_id)).all())
    stale = dict(db.session.execute(
        db.select(Device.office_id, db.func.count()).where(
            Device.office_id.in_(ids), Device.revoked_at.is_(None),
            db.or_(Device.last_seen_at.is_(None), Device.last_seen_at < since))
        .group_by(Device.office_id)).all())
    return render_template("admin/index.html", offices=offices, on_site=on_site, held=held,
                           quarantined=quarantined, devices=devices, stale=stale)


def _audit_query():
    """Return the audit entries in scope matching ?office= and ?action=, newest first."""
    query = db.select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    ids = scoped_office_ids(current_user)
    if ids is not None:
        query = query.where(AuditLog.office_id.in_(ids))
    office_id = request.args.get("office", "")
    if office_id.isdigit():
        query = query.where(AuditLog.office_id == int(office_id))
    action = request.args.get("action", "").strip()[:64]
    if action:
        query = query.where(AuditLog.action.startswith(action, autoescape=True))
    return query, office_id, action


@bp.route("/audit")
@roles_required(*ADMINS)
def audit():
    """List audit entries in scope, newest first, filtered by office and action."""
    query, office_id, action = _audit_query()
    page = paginate(db.session, query, per_page=100)
    users = {u.id: u for u in db.session.scalars(db.select(StaffUser).where(
        StaffUser.id.in_({e.user_id for e in page.items if e.user_id}))).all()}
    offices = {o.id: o for o in scoped_offices()}
    return render_template("admin/audit.html", page=page, users=users, offices=offices,
                           office_filter=office_id, action=action)


@bp.route("/audit.csv")
@roles_required(*ADMINS)
def audit_csv():
    """Download the filtered audit log as CSV (at most 100 000 rows, newest first)."""
    query, _office_id, _action = _audit_query()
    entries = db.session.scalars(query.limit(100_000)).all()
    users = dict(db.session.execute(db.select(StaffUser.id, StaffUser.username)).all())
    offices = {o.id: o.code for o in scoped_offices()}
    rows = [[e.at.isoformat(), users.get(e.user_id, ""), e.device_id or "", offices.get(e.office_id, ""),
             e.action, e.target_type, e.target_id, json.dumps(e.detail or {}, ensure_ascii=False),
             e.request_id] for e in entries]
    return csv_response("sitamu-audit.csv", ["waktu_utc", "staf", "tablet", "kantor", "tindakan",
                                             "sasaran", "id_sasaran", "rincian", "request_id"], rows)
