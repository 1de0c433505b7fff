"""Visits: search and filter, a detail page with the event timeline, SOP step times and the
custody ledger, the audited "show full NIK" action, the printable "on site now" list with the
items still held, and marking held items returned."""
from datetime import date, datetime, timedelta, timezone

from cryptography.exceptions import InvalidTag
from flask import Response, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from sync.rules import CUSTODY_ITEMS

from .. import lifecycle
from ..access import ADMINS, DESK, office_or_403, roles_required, scope_query
from ..audit import record_audit
from ..crypto import data_keys
from ..extensions import db
from ..i18n import translate as _
from ..models import Attachment, Device, Host, Service, Visit, VisitEvent
from ..notify import whatsapp_link, whatsapp_text
from ..webutil import local_day_bounds, mask_id, mask_phone, paginate
from . import bp, timeline
from .forms import ConfirmForm
from .routes import CUSTODY_DAYS, scoped_offices

bp.context_processor(lifecycle.template_helpers)

EVENT_LABELS = {
    "registration": "Mengisi buku tamu", "verification": "Verifikasi identitas",
    "correction": "Perbaikan data", "host_notified": "Pejabat dihubungi",
    "host_received": "Pejabat bersedia menerima", "host_unavailable": "Pejabat tidak dapat menerima",
    "arrived": "Tamu tiba", "card_issued": "Kartu tamu diberikan", "locker": "Loker",
    "waiting": "Menunggu", "screening": "Pemeriksaan keamanan", "admitted": "Masuk menghadap",
    "service_feedback": "Umpan balik layanan", "finished": "Selesai", "checked_out": "Sudah keluar",
    "cancelled": "Dibatalkan", "returned": "Barang titipan dikembalikan", "step_done": "Langkah SOP",
    "step_skipped": "Langkah dilewati",
}
# The visit list's status filter: every status, plus all guests on site and all visits with
# items still held.
STATUS_FILTERS = ("on_site", *lifecycle.STATUSES, "custody")


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


FILTER_ARGS = ("office", "from", "to", "host", "status")


@bp.route("/visits", methods=["GET", "POST"])
@roles_required(*ADMINS, *DESK)
def visits():
    """Search visits by office, date, host, status and name.

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
    status = args.get("status", "")
    if status == "on_site":
        query = query.where(lifecycle.on_site_clause(Visit))
    elif status == "custody":
        query = query.where(Visit.custody_open.is_(True))
    elif status in lifecycle.STATUSES:
        query = query.where(lifecycle.status_column(Visit) == status)
    name = _stored_name_filter() if args.get("nama") == "1" else ""
    if name:
        escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Visit.name.ilike(f"%{escaped}%", escape="\\"))
    query = query.order_by(Visit.registered_at.desc().nulls_last(), Visit.id)
    page = paginate(db.session, query)
    hosts = db.session.scalars(scope_query(db.select(Host), Host.office_id).order_by(Host.name)).all()
    return render_template("admin/visits.html", page=page, offices=offices,
                           office_map={o.id: o for o in offices}, hosts=hosts,
                           host_map={h.id: h for h in hosts}, status_filters=STATUS_FILTERS, errors=errors,
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
    sop_steps = lifecycle.visit_steps(visit)
    steps = timeline.step_rows(visit, events, sop_steps)
    host = visit.host
    wa = whatsapp_link(host.phone, whatsapp_text(visit)) if host and host.phone else None
    devices = {d.id: d for d in db.session.scalars(
        db.select(Device).where(Device.id.in_({e.device_id for e in events if e.device_id}))).all()}
    life = lifecycle.read(visit)
    return render_template(
        "admin/visit_detail.html", visit=visit, office=office, events=events, steps=steps, life=life,
        time_limit=_time_limit(life, office), can_return=current_user.role in (*ADMINS, *DESK),
        event_labels=EVENT_LABELS, wa_link=wa, devices=devices, confirm=ConfirmForm(),
        actors=timeline.actor_names(events, visit.office_id), step_names=timeline.step_names(sop_steps),
        id_number=(visit.id_number if full_nik else mask_id(visit.id_number)),
        phone=mask_phone(visit.phone), full_nik=full_nik,
        can_view_nik=current_user.role in ADMINS,
        service=db.session.get(Service, visit.service_id) if visit.service_id else None)


@bp.route("/visits/<visit_id>")
@roles_required(*ADMINS, *DESK)
def visit_detail(visit_id: str):
    """Show one visit: identity (masked), status, custody ledger, timeline, and each SOP step
    against its standard."""
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


def _time_limit(life, office) -> dict | None:
    """Return the meeting's time limit {minutes, until, late, reminded} once the guest went in."""
    minutes = life.time_limit_minutes
    if not life.admitted_at or not minutes:
        return None
    until = life.admitted_at + timedelta(minutes=minutes)
    return {"minutes": minutes, "until": until, "reminded": life.time_limit_reminded,
            "late": life.on_site and life.location == "with_host" and datetime.now(timezone.utc) > until}


@bp.route("/onsite")
@roles_required(*ADMINS, *DESK, "supervisor")
def onsite():
    """List the guests on site per office for an evacuation roll call (printable), and below
    them every visit of the last 30 days whose card, identity document or locker is still
    held, whatever its outcome, for the desk to give back and mark returned."""
    offices = scoped_offices()
    chosen = request.args.get("office", "")
    if chosen.isdigit():
        offices = [office_or_403(int(chosen))]
    now = datetime.now(timezone.utc)
    sections = []
    for office in offices:
        start, _end = local_day_bounds(office.local(now).date(), office)
        on_site = (Visit.office_id == office.id, Visit.purged_at.is_(None), lifecycle.on_site_clause(Visit))
        rows = db.session.scalars(db.select(Visit).where(*on_site, Visit.registered_at >= start)
                                  .order_by(Visit.registered_at)).all()
        older = db.session.scalar(db.select(db.func.count()).select_from(Visit).where(
            *on_site, Visit.registered_at < start, Visit.registered_at >= start - timedelta(days=7)))
        sections.append({"office": office, "visits": rows, "older": older, "now": office.local(now),
                         "custody": held_items(office, now)})
    return render_template("admin/onsite.html", sections=sections, all_offices=scoped_offices(),
                           chosen=chosen, confirm=ConfirmForm(),
                           can_return=current_user.role in (*ADMINS, *DESK))


def held_items(office, now: datetime) -> list[tuple[Visit, dict]]:
    """Return [(visit, lifecycle)] of the office's visits of the last CUSTODY_DAYS days whose
    card, identity document or locker is still held, the longest held first."""
    visits = db.session.scalars(db.select(Visit).where(
        Visit.office_id == office.id, Visit.custody_open.is_(True), Visit.purged_at.is_(None),
        Visit.registered_at >= now - timedelta(days=CUSTODY_DAYS))).all()
    rows = []
    for visit in visits:
        life = lifecycle.read(visit)
        if not life.custody_outstanding:
            continue
        times = [life.custody[item]["issued_at"] for item in life.custody_outstanding
                 if life.custody.get(item, {}).get("issued_at")]
        life["held_since"] = min(times) if times else visit.registered_at
        rows.append((visit, life))
    return sorted(rows, key=lambda row: (row[1].held_since, row[0].id))


@bp.route("/visits/<visit_id>/returned", methods=["POST"])
@roles_required(*ADMINS, *DESK)
def visit_returned(visit_id: str):
    """Record that the desk gave back held items (form field `items`: card, id_document,
    locker, or all): a server-made `returned` event, audited, that re-derives the visit."""
    from ..api.operations import SyncError, record_server_event

    visit = visible_visit_or_403(visit_id)
    asked = request.form.getlist("items")
    if not ConfirmForm().validate_on_submit() or not asked \
            or any(item not in (*CUSTODY_ITEMS, "all") for item in asked):
        abort(400)
    outstanding = lifecycle.read(visit).custody_outstanding
    items = [item for item in CUSTODY_ITEMS if item in outstanding and ("all" in asked or item in asked)]
    if not items:
        flash(_("Barang ini sudah tercatat dikembalikan."), "info")
    else:
        # The audit entry goes in the event's transaction: both are stored, or neither.
        record_audit("visit.returned", office_id=visit.office_id, target_type="visit",
                     target_id=visit.id, detail={"items": items})
        try:
            record_server_event(visit, "returned", {"items": items}, actor=f"staff:{current_user.id}")
        except SyncError as exc:
            db.session.rollback()
            flash(_("Tidak tersimpan: {why}", why="; ".join(exc.fields.values()) or exc.message), "error")
        else:
            flash(_("Tercatat dikembalikan: {items}.",
                    items=", ".join(lifecycle.custody_label(item) for item in items)), "success")
    if request.form.get("back") == "detail":
        return redirect(url_for("admin.visit_detail", visit_id=visit.id))
    office = request.form.get("office", "")
    return redirect(url_for("admin.onsite", office=office if office.isdigit() else None,
                            _anchor=f"custody-{visit.office_id}"))
