"""Privacy pages: a guest's request to see, copy, correct or erase their data.

The NIK is typed into a POST form and never appears in a URL, a log line or the audit log;
after the search the pages carry visit ids only.
"""
import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import ADMINS, can_access_office, roles_required, scoped_office_ids
from ..audit import record_audit
from ..extensions import db
from ..i18n import translate as _
from ..models import Visit
from ..nik import mask_nik, parse_nik
from ..webutil import local_time, mask_id, mask_phone
from . import bp
from .forms import CorrectForm, EraseForm, NikSearchForm, VisitsForm
from .subject import correct_visit, erase_visits, export_visits, find_visits_by_nik

NO_STORE = {"Cache-Control": "no-store"}


def _visit_or_403(visit_id: str) -> Visit:
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        abort(404)
    if not can_access_office(current_user, visit.office_id):
        abort(403)
    return visit


def _chosen_visits(form: VisitsForm) -> list[Visit]:
    ids = list(dict.fromkeys(entry.data for entry in form.visit_ids.entries if entry.data))
    visits = [_visit_or_403(i) for i in ids]
    if not visits:
        abort(400)
    return visits


@bp.route("/", methods=["GET"])
@roles_required(*ADMINS)
def index():
    """Show the search form for a data-subject request."""
    return render_template("privacy/index.html", form=NikSearchForm(), visits=None)


@bp.route("/search", methods=["POST"])
@roles_required(*ADMINS)
def search():
    """Find the visits of the guest with this NIK (within the admin's offices)."""
    form = NikSearchForm()
    if not form.validate_on_submit():
        return render_template("privacy/index.html", form=form, visits=None), 400, NO_STORE
    visits = find_visits_by_nik(form.nik.data, scoped_office_ids(current_user))
    record_audit("privacy.search", office_id=current_user.office_id, target_type="nik_lookup",
                 detail={"matches": len(visits)})
    db.session.commit()
    from ..appointments.operations import find_by_nik as find_appointments_by_nik
    from ..appointments.staff import STATUS_LABELS as APPOINTMENT_STATUS_LABELS
    from .forms import AppointmentsEraseForm

    appointments = find_appointments_by_nik(form.nik.data, scoped_office_ids(current_user))
    masked = mask_nik(form.nik.data)
    form.nik.data = ""  # not left on screen for the next person at the desk
    return render_template("privacy/index.html", form=form, visits=visits, appointments=appointments,
                           appointments_erase_form=AppointmentsEraseForm(),
                           appointment_status_labels=APPOINTMENT_STATUS_LABELS,
                           masked=masked, local_time=local_time,
                           mask_phone=mask_phone, mask_id=mask_id,
                           action_form=VisitsForm(), erase_form=EraseForm()), 200, NO_STORE


@bp.route("/export", methods=["POST"])
@roles_required(*ADMINS)
def export():
    """Download everything held about the chosen visits as JSON (the guest's copy)."""
    form = VisitsForm()
    if not form.validate_on_submit():
        abort(400)
    document = export_visits(_chosen_visits(form), current_user)
    body = json.dumps(document, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        **NO_STORE, "Content-Disposition": 'attachment; filename="sitamu-data-tamu.json"'})


@bp.route("/erase", methods=["POST"])
@roles_required(*ADMINS)
def erase():
    """Erase the personal data of the chosen visits at the guest's request."""
    form = EraseForm()
    if not form.validate_on_submit():
        flash(_("Penghapusan dibatalkan: centang konfirmasi dan periksa nomor permohonan."), "warning")
        return redirect(url_for("privacy.index"))
    count = erase_visits(_chosen_visits(form), current_user, form.reference.data or "")
    flash(_("Data pribadi dari {n} kunjungan telah dihapus. Tablet akan menghapusnya saat sinkron.",
            n=count), "info")
    return redirect(url_for("privacy.index"))


@bp.route("/appointments/erase", methods=["POST"])
@roles_required(*ADMINS)
def erase_appointments():
    """Erase the personal data and letters of the chosen bookings at the guest's request."""
    from ..appointments.operations import purge_appointment
    from ..models import Appointment
    from .forms import AppointmentsEraseForm
    from .retention import forget_freed_pages

    form = AppointmentsEraseForm()
    if not form.validate_on_submit():
        flash(_("Penghapusan dibatalkan: centang konfirmasi dan periksa nomor permohonan."), "warning")
        return redirect(url_for("privacy.index"))
    ids = list(dict.fromkeys(entry.data for entry in form.appointment_ids.entries if entry.data))
    found = [db.session.get(Appointment, i) for i in ids]
    if not found or any(a is None for a in found):
        abort(404)
    if any(not can_access_office(current_user, a.office_id) for a in found):
        abort(403)
    for appointment in found:
        purge_appointment(appointment)
        record_audit("privacy.erase", office_id=appointment.office_id, target_type="appointment",
                     target_id=appointment.id, detail={"reference": form.reference.data or ""})
    db.session.commit()
    forget_freed_pages()
    flash(_("Data pribadi dari {n} janji temu telah dihapus.", n=len(found)), "info")
    return redirect(url_for("privacy.index"))


@bp.route("/visits/<visit_id>/correct", methods=["GET", "POST"])
@roles_required(*ADMINS)
def correct(visit_id: str):
    """Correct a guest's registration data (name, identity number, phone, ...)."""
    from ..api.operations import SyncError

    visit = _visit_or_403(visit_id)
    if visit.purged_at is not None:
        abort(410)
    form = CorrectForm(obj=None if request.method == "POST" else visit)
    if request.method == "GET":
        # Never shown in full here: blank means "keep", a full view has its own audited action.
        form.id_number.data = form.phone.data = ""
    if form.validate_on_submit():
        changes = {name: (getattr(form, name).data or "").strip() for name in
                   ("name", "id_number", "phone", "institution", "address", "purpose")}
        for name in ("id_number", "phone"):
            if not changes[name]:
                del changes[name]
        if visit.id_type == "ktp" and changes.get("id_number"):
            parsed = parse_nik(changes["id_number"])
            if not parsed.ok:
                form.id_number.errors.append(_(parsed.message()))
                return render_template("privacy/correct.html", form=form, visit=visit), 400, NO_STORE
            changes["id_number"] = parsed.nik
        try:
            fields = correct_visit(visit, changes, current_user)
        except SyncError as exc:
            db.session.rollback()
            for name, message in exc.fields.items():
                field = getattr(form, name.rsplit(".", 1)[-1], None)
                if field is not None:
                    field.errors.append(message)
            return render_template("privacy/correct.html", form=form, visit=visit), 400, NO_STORE
        if fields:
            flash(_("Data dikoreksi: {fields}.", fields=", ".join(fields)), "info")
        else:
            flash(_("Tidak ada yang berubah."), "info")
        return redirect(url_for("admin.visit_detail", visit_id=visit.id))
    status = 400 if request.method == "POST" else 200
    return render_template("privacy/correct.html", form=form, visit=visit), status, NO_STORE
