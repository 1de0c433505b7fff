"""Visits: search and filter, a detail page with the event timeline and SOP step times,
the audited "show full NIK" action, and the printable "on site now" list."""
from datetime import date, datetime, timedelta, timezone

from cryptography.exceptions import InvalidTag
from flask import Response, abort, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..access import ADMINS, DESK, office_or_403, roles_required, scope_query
from ..audit import record_audit
from ..crypto import data_keys
from ..extensions import db
from ..models import Attachment, Device, Host, Service, Visit, VisitEvent
from ..notify import whatsapp_link, whatsapp_text
from ..webutil import local_day_bounds, mask_id, mask_phone, paginate
from . import bp
from .forms import ConfirmForm
from .routes import scoped_offices
from . import timeline

STAGES = {  # sync/rules.py STAGES, in order
    "registered": "Terdaftar", "verified": "Terverifikasi", "host_notified": "Pejabat dihubungi",
    "host_received": "Diterima pejabat", "admitted": "Menghadap", "finished": "Selesai",
    "host_unavailable": "Pejabat tidak tersedia", "checked_out": "Sudah keluar",
    "refused": "Ditolak pemeriksaan", "cancelled": "Dibatalkan",
}
OPEN_EXCLUDED = ("cancelled", "checked_out", "refused")
EVENT_LABELS = {
    "registration": "Mengisi buku tamu", "verification": "Verifikasi identitas",
    "correction": "Perbaikan data", "host_notified": "Pejabat dihubungi",
    "host_received": "Pejabat bersedia menerima", "host_unavailable": "Pejabat tidak dapat menerima",
    "card_issued": "Kartu tamu diberikan", "locker": "Loker", "waiting": "Menunggu",
    "screening": "Pemeriksaan keamanan", "admitted": "Masuk menghadap",
    "service_feedback": "Umpan balik layanan", "finished": "Selesai", "checked_out": "Sudah keluar",
    "cancelled": "Dibatalkan", "step_done": "Langkah SOP",
}


def _parse_date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def visible_visit_or_403(visit_id: str) -> Visit:
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        abort(404)
    office_or_403(visit.office_id)
    return visit


FILTER_ARGS = ("office", "from", "to", "host", "stage")


@bp.route("/visits", methods=["GET", "POST"])
@roles_required(*ADMINS, *DESK)
def visits():
    """Search visits by office, date, host, stage and name.

    The filter form is posted: a guest's name must not end up in a URL (browser history,
    proxy logs), so it is kept in the session, encrypted with the data key because Flask's
    session is a signed but readable cookie, and the redirect carries only `nama=1`.
    """
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        name = request.form.get("q", "").strip()[:100]
        session["visit_name_filter"] = data_keys().encrypt(name) if name else ""
        args = {k: request.form[k] for k in FILTER_ARGS if request.form.get(k)}
        if name:
            args["nama"] = "1"
        return redirect(url_for("admin.visits", **args))
    offices = scoped_offices()
    args = request.args
    errors = {}
    query = scope_query(db.select(Visit), Visit.office_id)
    office = None
    if args.get("office", "").isdigit():
        office = office_or_403(int(args["office"]))
        query = query.where(Visit.office_id == office.id)
    zone_office = office or (offices[0] if offices else None)
    start, end = _parse_date(args.get("from", "")), _parse_date(args.get("to", ""))
    if args.get("from") and start is None:
        errors["from"] = "Tanggal tidak valid (TTTT-BB-HH)."
    if args.get("to") and end is None:
        errors["to"] = "Tanggal tidak valid (TTTT-BB-HH)."
    if start and end and end < start:
        errors["to"] = "Tanggal akhir sebelum tanggal awal."
    elif zone_office is not None:
        if start:
            query = query.where(Visit.registered_at >= local_day_bounds(start, zone_office)[0])
        if end:
            query = query.where(Visit.registered_at < local_day_bounds(end, zone_office)[1])
    if args.get("host", "").isdigit():
        query = query.where(Visit.host_id == int(args["host"]))
    if args.get("stage") in STAGES:
        query = query.where(Visit.stage == args["stage"])
    name = _stored_name_filter() if args.get("nama") == "1" else ""
    if name:
        escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Visit.name.ilike(f"%{escaped}%", escape="\\"))
    query = query.order_by(Visit.registered_at.desc().nulls_last(), Visit.id)
    page = paginate(db.session, query)
    hosts = db.session.scalars(scope_query(db.select(Host), Host.office_id).order_by(Host.name)).all()
    return render_template("admin/visits.html", page=page, offices=offices,
                           office_map={o.id: o for o in offices}, hosts=hosts,
                           host_map={h.id: h for h in hosts}, stages=STAGES, errors=errors,
                           args=args, name=name, confirm=ConfirmForm()), 400 if errors else 200


def _stored_name_filter() -> str:
    sealed = session.get("visit_name_filter") or ""
    try:
        return data_keys().decrypt(sealed)[:100] if sealed else ""
    except (ValueError, TypeError, InvalidTag):  # a key rotated since, or a tampered value
        return ""


def _detail(visit: Visit, full_nik: bool = False):
    office = visit.office
    events = db.session.scalars(db.select(VisitEvent).where(VisitEvent.visit_id == visit.id)
                                .order_by(VisitEvent.corrected_time, VisitEvent.id)).all()
    sop_steps = timeline.visit_steps(visit)
    steps = timeline.step_rows(visit, events, sop_steps)
    host = visit.host
    wa = whatsapp_link(host.phone, whatsapp_text(visit)) if host and host.phone else None
    devices = {d.id: d for d in db.session.scalars(
        db.select(Device).where(Device.id.in_({e.device_id for e in events if e.device_id}))).all()}
    return render_template(
        "admin/visit_detail.html", visit=visit, office=office, events=events, steps=steps,
        stages=STAGES, event_labels=EVENT_LABELS, wa_link=wa, devices=devices, confirm=ConfirmForm(),
        actors=timeline.actor_names(events, visit.office_id), step_names=timeline.step_names(sop_steps),
        id_number=(visit.id_number if full_nik else mask_id(visit.id_number)),
        phone=mask_phone(visit.phone), full_nik=full_nik,
        can_view_nik=current_user.role in ADMINS,
        service=db.session.get(Service, visit.service_id) if visit.service_id else None)


@bp.route("/visits/<visit_id>")
@roles_required(*ADMINS, *DESK)
def visit_detail(visit_id: str):
    """Show one visit: identity (masked), timeline, and each SOP step against its standard."""
    return _detail(visible_visit_or_403(visit_id))


@bp.route("/visits/<visit_id>/nik", methods=["POST"])
@roles_required(*ADMINS)
def visit_view_nik(visit_id: str):
    """Show the full identity number once, and write that to the audit log."""
    visit = visible_visit_or_403(visit_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    record_audit("visit.view_nik", office_id=visit.office_id, target_type="visit",
                 target_id=visit.id)
    db.session.commit()
    response = _detail(visit, full_nik=True)
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/visits/<visit_id>/<any(photo, signature):kind>")
@roles_required(*ADMINS)
def visit_image(visit_id: str, kind: str):
    """Send the guest's photo or signature to an admin, and write that to the audit log."""
    visit = visible_visit_or_403(visit_id)
    sha = visit.photo_sha if kind == "photo" else visit.signature_sha
    blob = db.session.get(Attachment, sha) if sha else None
    if blob is None or blob.office_id != visit.office_id or visit.purged_at is not None:
        abort(404)
    record_audit(f"visit.view_{kind}", office_id=visit.office_id, target_type="visit",
                 target_id=visit.id)
    db.session.commit()
    return Response(blob.data, mimetype=blob.content_type,
                    headers={"Cache-Control": "no-store", "Content-Disposition": "inline"})


@bp.route("/onsite")
@roles_required(*ADMINS, *DESK, "supervisor")
def onsite():
    """List guests not yet checked out, per office, for an evacuation roll call (printable)."""
    offices = scoped_offices()
    chosen = request.args.get("office", "")
    if chosen.isdigit():
        offices = [office_or_403(int(chosen))]
    now = datetime.now(timezone.utc)
    sections = []
    for office in offices:
        start, _end = local_day_bounds(office.local(now).date(), office)
        rows = db.session.scalars(db.select(Visit).where(
            Visit.office_id == office.id, Visit.checked_out_at.is_(None), Visit.purged_at.is_(None),
            Visit.stage.notin_(OPEN_EXCLUDED), Visit.registered_at >= start)
            .order_by(Visit.registered_at)).all()
        older = db.session.scalar(db.select(db.func.count()).select_from(Visit).where(
            Visit.office_id == office.id, Visit.checked_out_at.is_(None), Visit.purged_at.is_(None),
            Visit.stage.notin_(OPEN_EXCLUDED), Visit.registered_at < start,
            Visit.registered_at >= start - timedelta(days=7)))
        sections.append({"office": office, "visits": rows, "older": older,
                         "now": office.local(now)})
    return render_template("admin/onsite.html", sections=sections, stages=STAGES,
                           all_offices=scoped_offices(), chosen=chosen)
