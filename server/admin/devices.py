"""Desk tablets: enrol with a QR code and a one-time code, revoke, watch their sync health."""
from datetime import datetime, timedelta, timezone

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..access import ADMINS, office_or_403, roles_required, scope_query
from ..extensions import db
from ..i18n import translate as _
from ..models import Device, Office, Quarantine
from . import bp
from .forms import ConfirmForm, EnrolForm
from .routes import office_choices

# A tablet that has not been heard from for this long is shown as stale.
STALE_AFTER = timedelta(hours=24)
SKEW_WARNING_MS = 5 * 60 * 1000


def _operations():
    from ..api import operations  # the sync engineer's module

    return operations


def device_health(device: Device, now: datetime) -> dict:
    """Return what the devices page shows about a tablet's sync state."""
    missing = max((device.highest_seq or 0) - (device.acked_seq or 0), 0)
    seen = device.last_seen_at
    return {
        "missing": missing,
        "pending": device.pending_reported or 0,
        "stale": not device.revoked and (seen is None or now - seen > STALE_AFTER),
        "skew_minutes": round((device.clock_skew_ms or 0) / 60000, 1) + 0.0,  # never "-0.0"
        "skew_bad": abs(device.clock_skew_ms or 0) > SKEW_WARNING_MS,
    }


@bp.route("/devices")
@roles_required(*ADMINS)
def devices():
    """List tablets in scope with last sync, pending and missing events, and clock skew."""
    query = scope_query(db.select(Device), Device.office_id).order_by(
        Device.office_id, Device.revoked_at.is_not(None), Device.letter)
    items = db.session.scalars(query).all()
    now = datetime.now(timezone.utc)
    quarantined = dict(db.session.execute(
        db.select(Quarantine.device_id, db.func.count()).where(
            Quarantine.status == "open", Quarantine.device_id.in_([d.id for d in items]))
        .group_by(Quarantine.device_id)).all())
    return render_template("admin/devices.html", devices=items, now=now,
                           health={d.id: device_health(d, now) for d in items},
                           quarantined=quarantined, confirm=ConfirmForm(),
                           offices={o.id: o for o in db.session.scalars(db.select(Office)).all()})


@bp.route("/devices/enrol", methods=["GET", "POST"])
@roles_required(*ADMINS)
def device_enrol():
    """Make a one-time enrolment code (with its QR) for a new tablet."""
    form = EnrolForm()
    form.office_id.choices = office_choices()
    if form.validate_on_submit():
        office = office_or_403(form.office_id.data)
        code, expires_at = _operations().create_enrollment_code(office, current_user,
                                                               form.device_name.data.strip())
        db.session.commit()
        return render_template("admin/device_code.html", office=office, code=code,
                               expires_at=expires_at, qr_svg=enrolment_qr(code),
                               device_name=form.device_name.data.strip())
    return render_template("admin/device_enrol.html", form=form), 400 if form.errors else 200


def enrolment_qr(code: str) -> str:
    """Return the SVG QR code the tablet scans: the desk app's URL carrying the code."""
    return _operations().enrollment_qr_svg(code)


@bp.route("/devices/<int:device_id>/revoke", methods=["POST"])
@roles_required(*ADMINS)
def device_revoke(device_id: int):
    """Revoke a tablet: its token stops working and it wipes its synced data."""
    device = db.get_or_404(Device, device_id)
    office_or_403(device.office_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if device.revoked:
        flash(_("Tablet ini sudah dicabut."), "info")
    else:
        _operations().revoke_device(device, current_user)
        db.session.commit()
        flash(_("Tablet {name} dicabut.", name=device.name), "success")
    return redirect(url_for("admin.devices"))
