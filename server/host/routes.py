"""The host's inbox: who is waiting, receive or decline with a reason, own availability."""
from datetime import datetime, timedelta, timezone

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..access import roles_required
from ..audit import record_audit
from ..extensions import db
from ..i18n import translate as _
from ..models import Host, Visit
from ..notify import WAITING_STAGES
from . import bp
from .forms import AvailabilityForm, ReceiveForm, UnavailableForm

# Visits older than this are not shown as waiting (the guest has surely gone).
WAITING_WINDOW = timedelta(hours=12)
ANSWERED_STAGES = ("host_received", "host_unavailable", "admitted", "finished")


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
    since = datetime.now(timezone.utc) - WAITING_WINDOW
    base = db.select(Visit).where(Visit.host_id == host.id, Visit.office_id == host.office_id,
                                  Visit.purged_at.is_(None), Visit.registered_at >= since)
    waiting = db.session.scalars(base.where(Visit.stage.in_(WAITING_STAGES))
                                 .order_by(Visit.registered_at)).all()
    answered = db.session.scalars(base.where(Visit.stage.in_(ANSWERED_STAGES))
                                  .order_by(Visit.registered_at.desc()).limit(20)).all()
    forms = unavailable_forms or {}
    availability = AvailabilityForm(formdata=None, available=host.available,
                                    reason=host.unavailable_reason)
    now = datetime.now(timezone.utc)
    return {"host": host, "office": host.office, "waiting": waiting, "answered": answered,
            "waited": {v.id: int((now - v.registered_at).total_seconds() // 60) for v in waiting},
            "receive": ReceiveForm(formdata=None), "availability": availability,
            "unavailable": {v.id: forms.get(v.id) or UnavailableForm(formdata=None, prefix=f"v{v.id[:8]}")
                            for v in waiting}}


@bp.route("/")
@roles_required("host")
def inbox():
    """Show the guests waiting for the current host."""
    host = current_host()
    if host is None:
        return render_template("host/inbox.html", host=None)
    return render_template("host/inbox.html", **_inbox_context(host))


def _record(visit: Visit, host: Host, kind: str, payload: dict) -> bool:
    from ..api.operations import SyncError, record_server_event

    try:
        record_server_event(visit, kind, payload, actor=f"host:{host.id}")
    except SyncError as exc:
        db.session.rollback()
        flash(_("Jawaban tidak tersimpan: {why}", why="; ".join(exc.fields.values()) or exc.message), "error")
        return False
    record_audit(f"visit.{kind}", office_id=visit.office_id, target_type="visit", target_id=visit.id,
                 detail={"host_id": host.id})
    db.session.commit()
    return True


@bp.route("/visits/<visit_id>/receive", methods=["POST"])
@roles_required("host")
def receive(visit_id: str):
    """Answer "receive": the desk tablet lets the guest in."""
    host, visit = _own_visit_or_403(visit_id)
    if not ReceiveForm().validate_on_submit():
        abort(400)
    if visit.stage not in WAITING_STAGES:
        flash(_("Tamu ini sudah dijawab."), "info")
    elif _record(visit, host, "host_received", {}):
        # No guest name in the flash: it is kept in the (signed, unencrypted) session cookie.
        flash(_("Tamu {queue} diterima. Meja tamu akan mempersilakan masuk.",
                queue=visit.queue_number), "success")
    return redirect(url_for("host.inbox"))


@bp.route("/visits/<visit_id>/unavailable", methods=["POST"])
@roles_required("host")
def unavailable(visit_id: str):
    """Answer "not available" with a polite reason the desk reads to the guest."""
    host, visit = _own_visit_or_403(visit_id)
    form = UnavailableForm(prefix=f"v{visit.id[:8]}")
    if visit.stage not in WAITING_STAGES:
        flash(_("Tamu ini sudah dijawab."), "info")
        return redirect(url_for("host.inbox"))
    if not form.validate_on_submit():
        return render_template("host/inbox.html", **_inbox_context(host, {visit.id: form})), 400
    if _record(visit, host, "host_unavailable", {"reason": form.reason.data.strip()}):
        flash(_("Jawaban terkirim ke meja tamu."), "success")
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
