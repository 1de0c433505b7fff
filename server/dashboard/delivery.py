"""Scheduled delivery settings: which offices get their monthly register and semester IKM
report made and e-mailed on the first working day, and to whom (reports/delivery.py)."""
from flask import flash, redirect, render_template, request, url_for

from reports.delivery import EMAIL_RE, parse_recipients, recipients_of

from ..access import ADMINS, office_or_403, roles_required
from ..audit import record_audit
from ..extensions import db
from ..i18n import translate as _
from ..models import ReportDelivery, ReportDispatch
from . import _offices, bp


def _settings(office) -> ReportDelivery:
    found = db.session.scalar(db.select(ReportDelivery).where(ReportDelivery.office_id == office.id))
    return found or ReportDelivery(office_id=office.id, enabled=False, signer_email="", recipients="", to_admins=True)


@bp.route("/delivery")
@roles_required(*ADMINS)
def delivery():
    """Show each office's delivery settings and its last scheduled reports."""
    offices = _offices()
    ids = [o.id for o in offices]
    # Two queries for every office together (a province has dozens), not two per office.
    found = {d.office_id: d for d in db.session.scalars(db.select(ReportDelivery).where(
        ReportDelivery.office_id.in_(ids)))}
    sent: dict[int, list] = {}
    for dispatch in db.session.scalars(db.select(ReportDispatch).where(ReportDispatch.office_id.in_(ids))
                                       .order_by(ReportDispatch.created_at.desc(), ReportDispatch.id.desc())):
        if len(sent.setdefault(dispatch.office_id, [])) < 4:
            sent[dispatch.office_id].append(dispatch)
    rows = []
    for office in offices:
        settings = found.get(office.id) or _settings(office)
        rows.append({"office": office, "settings": settings, "dispatches": sent.get(office.id, []),
                     "to": recipients_of(office, settings)})
    return render_template("dashboard/delivery.html", rows=rows, errors={}, form=None)


@bp.route("/delivery/<int:office_id>", methods=["POST"])
@roles_required(*ADMINS)
def delivery_save(office_id: int):
    """Save an office's delivery settings (addresses checked; nothing saved if one is wrong)."""
    office = office_or_403(office_id)
    errors = {}
    signer = request.form.get("signer_email", "").strip()
    if signer and (not EMAIL_RE.match(signer) or len(signer) > 120):
        errors["signer_email"] = _("Bukan alamat e-mail.")
    try:
        extra = parse_recipients(request.form.get("recipients", ""))
    except ValueError:
        errors["recipients"] = _("Tulis satu alamat e-mail per baris.")
        extra = []
    enabled = request.form.get("enabled") == "1"
    to_admins = request.form.get("to_admins") == "1"
    if not errors and enabled and not (signer or extra or to_admins):
        errors["recipients"] = _("Isi paling sedikit satu penerima.")
    if errors:
        offices = _offices()
        rows = [{"office": o, "settings": _settings(o), "dispatches": [], "to": []} for o in offices]
        return render_template("dashboard/delivery.html", rows=rows, errors={office.id: errors},
                               form=request.form), 400
    settings = _settings(office)
    settings.enabled, settings.signer_email, settings.to_admins = enabled, signer, to_admins
    settings.recipients = "\n".join(extra)
    db.session.add(settings)
    record_audit("office.delivery", office_id=office.id, target_type="office", target_id=office.id,
                 detail={"enabled": enabled, "recipients": len(extra) + bool(signer), "to_admins": to_admins})
    db.session.commit()
    flash(_("Pengiriman terjadwal {office} disimpan.", office=office.code), "success")
    return redirect(url_for("dashboard.delivery"))
