"""The host's inbox: who is waiting, receive or decline with a reason at any point before the
meeting, record that the guest went in (with the time limit) and that the meeting ended, and
the host's own availability."""
from datetime import datetime, timedelta, timezone

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from .. import lifecycle
from ..access import roles_required
from ..audit import record_audit
from ..extensions import db
from ..i18n import translate as _
from ..models import Host, Visit
from ..notify import WAITING_STAGES
from . import bp
from .forms import ActionForm, AvailabilityForm, ReceiveForm, UnavailableForm

bp.context_processor(lifecycle.template_helpers)

# Visits older than this are not shown (the guest has surely gone).
WAITING_WINDOW = timedelta(hours=12)
# The inbox's sections, in order: waiting for an answer, received and not yet in, with the
# host, and done (the meeting ended or the visit has an outcome).
PHASES = ("waiting", "received", "with_host", "done")
BEFORE_MEETING = ("waiting", "received")


def phase(visit: Visit, life) -> str:
    """Return where a visit stands for the host (one of PHASES), from its lifecycle."""
    if life.outcome or life.location == "finished":
        return "done"
    if life.location == "with_host":
        return "with_host"
    return "waiting" if visit.stage in WAITING_STAGES else "received"


def current_host() -> Host | None:
    """Return the host the logged-in account answers for."""
    if current_user.host_id is None:
        return None
    host = db.session.get(Host, current_user.host_id)
    if host is None or host.office_id != current_user.office_id:
        return None
    return host


def _own_visit_or_403(visit_id: str) -> tuple[Host, Visit]:
    host = current_host()
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        abort(404)
    if host is None or visit.host_id != host.id or visit.office_id != host.office_id:
        abort(403)
    return host, visit


def _inbox_context(host: Host, unavailable_forms: dict | None = None) -> dict:
    now = datetime.now(timezone.utc)
    visits = db.session.scalars(db.select(Visit).where(
        Visit.host_id == host.id, Visit.office_id == host.office_id, Visit.purged_at.is_(None),
        Visit.registered_at >= now - WAITING_WINDOW).order_by(Visit.registered_at)).all()
    groups: dict[str, list] = {name: [] for name in PHASES}
    lives = {}
    for visit in visits:
        lives[visit.id] = life = lifecycle.read(visit)
        groups[phase(visit, life)].append(visit)
    groups["done"] = groups["done"][::-1][:20]
    forms = unavailable_forms or {}
    availability = AvailabilityForm(formdata=None, available=host.available,
                                    reason=host.unavailable_reason)
    limit = host.office.visit_time_limit
    meetings = {}
    for visit in groups["with_host"]:
        life = lives[visit.id]
        minutes = life.time_limit_minutes or limit
        since = life.location_at or visit.admitted_at
        until = visit.admitted_at + timedelta(minutes=minutes) if visit.admitted_at and minutes else None
        meetings[visit.id] = {"since": since, "minutes": minutes, "until": until,
                              "late": until is not None and now > until}
    before = groups["waiting"] + groups["received"]
    from ..appointments.operations import date_text
    from ..appointments.staff import STATUS_LABELS, decision_forms, host_pending, host_today
    return {"appointments": host_pending(host), "appointment_forms": decision_forms(),
            "appointments_today": host_today(host),
            "appointment_date_text": date_text, "status_labels": STATUS_LABELS,
            "host": host, "office": host.office, **groups, "lives": lives, "meetings": meetings,
            "time_limit": limit,
            "waited": {v.id: int((now - v.registered_at).total_seconds() // 60) for v in before},
            "action": ActionForm(formdata=None), "receive": ReceiveForm(formdata=None),
            "availability": availability,
            "unavailable": {v.id: forms.get(v.id) or UnavailableForm(formdata=None, prefix=f"v{v.id[:8]}")
                            for v in before}}


@bp.route("/")
@roles_required("host")
def inbox():
    """Show the current host's guests: waiting, received, with the host, and done."""
    host = current_host()
    if host is None:
        return render_template("host/inbox.html", host=None)
    return render_template("host/inbox.html", **_inbox_context(host))


def _record(visit: Visit, host: Host, kind: str, payload: dict, step: str | None = None) -> bool:
    """Record a server-made event for the visit, audited in the same transaction."""
    from ..api.operations import SyncError, record_server_event

    record_audit(f"visit.{kind}", office_id=visit.office_id, target_type="visit", target_id=visit.id,
                 detail={"host_id": host.id})
    try:
        record_server_event(visit, kind, payload, actor=f"host:{host.id}", step=step)
    except SyncError as exc:
        db.session.rollback()
        flash(_("Jawaban tidak tersimpan: {why}", why="; ".join(exc.fields.values()) or exc.message), "error")
        return False
    return True


def _moved_on(visit: Visit) -> None:
    flash(_("Status tamu sudah berubah: {status}.",
            status=lifecycle.status_label(lifecycle.read(visit).status)), "info")


@bp.route("/visits/<visit_id>/receive", methods=["POST"])
@roles_required("host")
def receive(visit_id: str):
    """Answer "receive": the desk tablet lets the guest in."""
    host, visit = _own_visit_or_403(visit_id)
    if not ReceiveForm().validate_on_submit():
        abort(400)
    where = phase(visit, lifecycle.read(visit))
    if where == "received":
        flash(_("Tamu ini sudah dijawab."), "info")
    elif where != "waiting":
        _moved_on(visit)
    elif _record(visit, host, "host_received", {}):
        # No guest name in the flash: it is kept in the (signed, unencrypted) session cookie.
        flash(_("Tamu {queue} diterima. Meja tamu akan mempersilakan masuk.",
                queue=visit.queue_number), "success")
    return redirect(url_for("host.inbox"))


@bp.route("/visits/<visit_id>/unavailable", methods=["POST"])
@roles_required("host")
def unavailable(visit_id: str):
    """Answer "not available" with a polite reason the desk reads to the guest: at any point
    before the meeting, recorded with the SOP step the visit is at (the template's polite
    refusal branch); the visit ends once the desk has given back what it holds."""
    host, visit = _own_visit_or_403(visit_id)
    form = UnavailableForm(prefix=f"v{visit.id[:8]}")
    if phase(visit, lifecycle.read(visit)) not in BEFORE_MEETING:
        _moved_on(visit)
        return redirect(url_for("host.inbox"))
    if not form.validate_on_submit():
        return render_template("host/inbox.html", **_inbox_context(host, {visit.id: form})), 400
    step = lifecycle.current_step(visit, lifecycle.visit_steps(visit))
    if _record(visit, host, "host_unavailable", {"reason": form.reason.data.strip()}, step=step):
        flash(_("Jawaban terkirim ke meja tamu."), "success")
    return redirect(url_for("host.inbox"))


@bp.route("/visits/<visit_id>/admitted", methods=["POST"])
@roles_required("host")
def admitted(visit_id: str):
    """Record "Tamu menghadap": the guest went in and was told the office's time limit (the
    SOP's reminder). It completes the tier's step whose event is `admitted` where there is one
    (Kalbar's terima_tamu, Kaltim's antar_ke_layanan); otherwise (Tanjabbar) no step: the
    meeting step is completed by "Selesai menghadap"."""
    host, visit = _own_visit_or_403(visit_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if phase(visit, lifecycle.read(visit)) not in BEFORE_MEETING:
        _moved_on(visit)
    else:
        minutes = visit.office.visit_time_limit
        step = lifecycle.step_of_kind(lifecycle.visit_steps(visit), "admitted")
        if _record(visit, host, "admitted", {"time_limit_minutes": minutes, "reminded": True}, step=step):
            flash(_("Tamu {queue} menghadap; batas waktu {n} menit.", queue=visit.queue_number,
                    n=minutes), "success")
    return redirect(url_for("host.inbox"))


@bp.route("/visits/<visit_id>/finished", methods=["POST"])
@roles_required("host")
def finished(visit_id: str):
    """Record "Selesai menghadap": the meeting ended (the tier's meeting step, the step whose
    event is `finished`); the desk then takes back the card and checks the guest out."""
    host, visit = _own_visit_or_403(visit_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if phase(visit, lifecycle.read(visit)) != "with_host":
        _moved_on(visit)
    else:
        step = lifecycle.step_of_kind(lifecycle.visit_steps(visit), "finished")
        if _record(visit, host, "finished", {}, step=step):
            flash(_("Tamu {queue} selesai menghadap.", queue=visit.queue_number), "success")
    return redirect(url_for("host.inbox"))


@bp.route("/availability", methods=["POST"])
@roles_required("host")
def availability():
    """Set whether the host receives guests now, with the reason shown at the desk."""
    host = current_host()
    if host is None:
        abort(403)
    form = AvailabilityForm()
    if not form.validate_on_submit():
        context = _inbox_context(host)
        context["availability"] = form
        return render_template("host/inbox.html", **context), 400
    reason = "" if form.available.data else form.reason.data
    if host.available != form.available.data or host.unavailable_reason != reason:
        host.available, host.unavailable_reason = form.available.data, reason
        record_audit("host.availability", office_id=host.office_id, target_type="host",
                     target_id=host.id, detail={"fields": ["available", "unavailable_reason"]})
        db.session.commit()
    flash(_("Ketersediaan disimpan."), "success")
    return redirect(url_for("host.inbox"))
