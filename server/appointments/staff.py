"""Staff pages: the day's appointments of an office, decisions (approve, move, decline),
office booking settings, and invitations (one guest or a CSV of participants)."""

import csv
import io
import re
from datetime import UTC, date, datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import ADMINS, DESK, can_access_office, office_or_403, roles_required, scoped_office_ids
from ..audit import record_audit
from ..extensions import db
from ..i18n import translate as _
from ..models import Appointment, Host, Office, Service
from ..models.appointment import ACTIVE_STATUSES, BOOKING_MODES
from ..nik import parse_nik
from ..webutil import select_choices
from . import bp, slots
from . import operations as ops
from .forms import HHMM, ApproveForm, DeclineForm, InviteForm, RescheduleForm, SettingsForm

VIEWERS = ADMINS + DESK + ("supervisor",)
INVITERS = ADMINS + ("host",)
MAX_CSV_ROWS = 500


def _offices() -> list[Office]:
    ids = scoped_office_ids(current_user)
    query = db.select(Office).order_by(Office.code)
    if ids is not None:
        query = query.where(Office.id.in_(ids))
    return list(db.session.scalars(query))


def _chosen_office() -> Office:
    offices = _offices()
    if not offices:
        abort(403)
    wanted = request.values.get("office", type=int)
    if wanted is None:
        return offices[0]
    return office_or_403(wanted)


def _appointment_or_403(appointment_id: str, deciding: bool = False) -> Appointment:
    appointment = db.get_or_404(Appointment, appointment_id)
    if deciding:
        if not ops.can_decide(current_user, appointment):
            abort(403)
    elif not can_access_office(current_user, appointment.office_id):
        abort(403)
    return appointment


@bp.route("/")
@roles_required(*VIEWERS)
def index():
    """List an office's appointments of a day (today by default), with decisions for admins."""
    office = _chosen_office()
    try:
        day = (
            date.fromisoformat(request.args.get("date", ""))
            if request.args.get("date")
            else slots.local_today(office)
        )
    except ValueError:
        abort(400)
    rows = db.session.scalars(
        db.select(Appointment)
        .where(
            Appointment.office_id == office.id,
            Appointment.date == day,
            Appointment.purged_at.is_(None),
        )
        .order_by(Appointment.time, Appointment.queue)
    ).all()
    pending = db.session.scalars(
        db.select(Appointment)
        .where(
            Appointment.office_id == office.id,
            Appointment.status == "pending",
            Appointment.purged_at.is_(None),
        )
        .order_by(Appointment.date, Appointment.time)
    ).all()
    return render_template(
        "appointments/list.html",
        office=office,
        offices=_offices(),
        day=day,
        rows=rows,
        pending=pending,
        **decision_forms(),
        can_decide=lambda a: ops.can_decide(current_user, a),
        date_text=ops.date_text,
    )


def decision_forms() -> dict:
    return {
        "approve_form": ApproveForm(formdata=None),
        "decline_form": DeclineForm(formdata=None),
        "reschedule_form": RescheduleForm(formdata=None),
    }


def _back(appointment: Appointment):
    if current_user.role == "host":
        return redirect(url_for("host.inbox"))
    return redirect(
        url_for(
            "appointments.index", office=appointment.office_id, date=appointment.date.isoformat()
        )
    )


def _decide(appointment_id: str, form_class, action):
    appointment = _appointment_or_403(appointment_id, deciding=True)
    form = form_class()
    if not form.validate_on_submit():
        messages = [m for errors in form.errors.values() for m in errors]
        flash(_("Tidak tersimpan: {why}", why="; ".join(_(m) for m in messages) or "CSRF"), "error")
        return _back(appointment), 400
    try:
        action(appointment, form)
    except ops.AppointmentError as exc:
        db.session.rollback()
        flash(_("Tidak tersimpan: {why}", why=_(exc.message)), "error")
        return _back(appointment)
    db.session.commit()
    from flask import current_app

    from ..notify import kick

    kick(current_app._get_current_object())
    flash(
        _(
            "Janji temu {queue} disimpan: {status}.",
            queue=appointment.queue,
            status=_(STATUS_LABELS[appointment.status]),
        ),
        "success",
    )
    return _back(appointment)


STATUS_LABELS = {
    "pending": "Menunggu persetujuan",
    "approved": "Disetujui",
    "rescheduled": "Dipindah waktunya",
    "declined": "Ditolak",
    "cancelled": "Dibatalkan",
    "no_show": "Tidak datang",
    "checked_in": "Sudah datang",
}


@bp.route("/<appointment_id>/approve", methods=["POST"])
@roles_required(*INVITERS)
def approve(appointment_id: str):
    """Approve a pending booking."""
    return _decide(appointment_id, ApproveForm, lambda a, f: ops.approve(a, current_user))


@bp.route("/<appointment_id>/decline", methods=["POST"])
@roles_required(*INVITERS)
def decline(appointment_id: str):
    """Decline a booking with a polite reason."""
    return _decide(
        appointment_id, DeclineForm, lambda a, f: ops.decline(a, f.reason.data, current_user)
    )


@bp.route("/<appointment_id>/reschedule", methods=["POST"])
@roles_required(*INVITERS)
def reschedule(appointment_id: str):
    """Propose another date and time (the booking is approved at it)."""

    def move(appointment, form):
        if not re.match(HHMM, form.time.data or ""):
            raise ops.AppointmentError("time", "Jam harus JJ:MM.")
        ops.reschedule(
            appointment, form.date.data, form.time.data, form.reason.data or "", current_user
        )

    return _decide(appointment_id, RescheduleForm, move)


@bp.route("/<appointment_id>/tiket.pdf")
@roles_required(*(VIEWERS + ("host",)))
def ticket(appointment_id: str):
    """Return an appointment's ticket PDF (staff of its office)."""
    appointment = _appointment_or_403(appointment_id)
    if current_user.role == "host" and appointment.host_id != current_user.host_id:
        abort(403)
    if appointment.status not in ACTIVE_STATUSES:
        abort(404)
    pdf = ops.ticket_pdf(appointment)
    db.session.commit()
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="tiket-{appointment.code}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/<appointment_id>/letter")
@roles_required(*(ADMINS + ("host",)))
def letter(appointment_id: str):
    """Return the guest's letter (the host it is for, or the office's admins)."""
    from ..models import Attachment

    appointment = _appointment_or_403(appointment_id)
    if current_user.role == "host" and appointment.host_id != current_user.host_id:
        abort(403)
    blob = db.session.get(Attachment, appointment.letter_sha) if appointment.letter_sha else None
    if blob is None:
        abort(404)
    record_audit(
        "appointment.letter",
        office_id=appointment.office_id,
        target_type="appointment",
        target_id=appointment.id,
    )
    db.session.commit()
    return Response(
        blob.data,
        mimetype=blob.content_type,
        headers={
            "Content-Disposition": "attachment",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


# --- settings ----------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(*ADMINS)
def settings():
    """Set the office's booking hours, closed days, slot length, and per service and host
    whether bookings are taken, approved automatically or by approval, and the capacity."""
    office = _chosen_office()
    conf = slots.settings(office)
    targets = list(office.services) + list(office.hosts)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = SettingsForm()
        hours = {}
        if form.validate_on_submit():
            for i in range(7):
                start, end = getattr(form, f"open_{i}").data, getattr(form, f"close_{i}").data
                if not start and not end:
                    continue
                if not (re.match(HHMM, start or "") and re.match(HHMM, end or "")) or start >= end:
                    getattr(form, f"open_{i}").errors = [
                        "Jam buka dan tutup JJ:MM, buka sebelum tutup."  # the row names the day
                    ]
                    continue
                hours[str(i)] = [start, end]
        modes = {}
        for target in targets:
            key = f"{'s' if isinstance(target, Service) else 'h'}{target.id}"
            mode = request.form.get(f"mode_{key}", target.booking_mode)
            capacity = request.form.get(f"cap_{key}", str(target.booking_capacity))
            if mode not in BOOKING_MODES:
                errors[key] = "Mode tidak dikenal."
            elif not capacity.isdigit() or not 1 <= int(capacity) <= 100:
                errors[key] = "Kapasitas 1 sampai 100 orang per slot."
            else:
                modes[target] = (mode, int(capacity))
        if form.errors or errors:
            return (
                render_template(
                    "appointments/settings.html",
                    office=office,
                    form=form,
                    targets=targets,
                    errors=errors,
                    offices=_offices(),
                ),
                400,
            )
        office.booking = {
            "hours": hours,
            "slot_minutes": form.slot_minutes.data,
            "closed": sorted(
                {line.strip() for line in form.closed.data.splitlines() if line.strip()}
            ),
        }
        for target, (mode, capacity) in modes.items():
            target.booking_mode, target.booking_capacity = mode, capacity
        record_audit(
            "appointment.settings", office_id=office.id, target_type="office", target_id=office.id
        )
        db.session.commit()
        flash(_("Pengaturan janji temu disimpan."), "success")
        return redirect(url_for("appointments.settings", office=office.id))
    form = SettingsForm(
        formdata=None, slot_minutes=conf["slot_minutes"], closed="\n".join(conf["closed"])
    )
    for i in range(7):
        start_end = conf["hours"].get(str(i)) or ["", ""]
        getattr(form, f"open_{i}").data, getattr(form, f"close_{i}").data = start_end
    return render_template(
        "appointments/settings.html",
        office=office,
        form=form,
        targets=targets,
        errors={},
        offices=_offices(),
    )


# --- invitations -------------------------------------------------------------------------

CSV_COLUMNS = ("nama", "nik", "hp", "email", "instansi")


def parse_participants(text: str) -> tuple[list[dict], list[str]]:
    """Return the participants of a CSV (header: nama, nik, hp, email, instansi; only nama is
    required) and the errors, each naming its line; any error means nothing is imported."""
    from email_validator import EmailNotValidError, validate_email

    reader = csv.reader(io.StringIO(text))
    rows = list(reader)
    if not rows:
        return [], ["Berkas CSV kosong."]
    header = [h.strip().lower() for h in rows[0]]
    if "nama" not in header:
        return [], ["Baris 1: kolom 'nama' tidak ada (kolom: nama, nik, hp, email, instansi)."]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    errors = [f"Baris 1: kolom tidak dikenal: {', '.join(unknown)}."] if unknown else []
    guests = []
    if len(rows) - 1 > MAX_CSV_ROWS:
        return [], [f"Paling banyak {MAX_CSV_ROWS} peserta per unggahan."]
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            errors.append(f"Baris {line}: kolom lebih banyak dari judul.")
            continue
        values = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}
        name, nik = values.get("nama", ""), values.get("nik", "")
        if not name:
            errors.append(f"Baris {line}: nama wajib diisi.")
        elif len(name) > 160:
            errors.append(f"Baris {line}: nama paling banyak 160 karakter.")
        if nik:
            parsed = parse_nik(nik)
            if not parsed.ok:
                errors.append(f"Baris {line}: {parsed.message()}")
            nik = parsed.nik
        email = values.get("email", "")
        if email:
            try:
                validate_email(email, check_deliverability=False)
            except EmailNotValidError:
                errors.append(f"Baris {line}: alamat e-mail tidak valid.")
        guests.append(
            {
                "name": name,
                "id_type": "ktp" if nik else "other",
                "id_number": nik,
                "phone": values.get("hp", ""),
                "email": email,
                "institution": values.get("instansi", ""),
                "purpose": "",
            }
        )
    if not guests and not errors:
        errors.append("Tidak ada peserta di berkas CSV.")
    return guests, errors


def _invite_targets(office: Office):
    if current_user.role == "host":
        host = db.session.get(Host, current_user.host_id) if current_user.host_id else None
        if host is None or host.office_id != office.id:
            abort(403)
        return [(f"h{host.id}", host.name, host)]
    return [(f"h{h.id}", h.name, h) for h in office.hosts if h.active] + [
        (f"s{s.id}", s.name, s) for s in office.services if s.active
    ]


@bp.route("/invite", methods=["GET", "POST"])
@roles_required(*INVITERS)
def invite():
    """Invite one guest, or a group from a CSV of participants, to an approved appointment."""
    office = (
        db.session.get(Office, current_user.office_id)
        if current_user.role == "host"
        else _chosen_office()
    )
    if office is None:
        abort(403)
    targets = _invite_targets(office)
    form = InviteForm()
    form.target.choices = select_choices([(k, label) for k, label, _ in targets])
    csv_errors: list[str] = []
    if form.validate_on_submit():
        target = next((t for k, _, t in targets if k == form.target.data), None)
        upload = form.participants.data
        if upload and getattr(upload, "filename", ""):
            raw = upload.stream.read(1024 * 1024 + 1)
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text, csv_errors = "", ["Berkas CSV harus UTF-8."]
            if len(raw) > 1024 * 1024:
                csv_errors = ["Berkas CSV paling besar 1 MB."]
            guests, errors = parse_participants(text) if not csv_errors else ([], [])
            csv_errors += errors
        elif form.name.data:
            nik = form.id_number.data
            if nik and not parse_nik(nik).ok:
                form.id_number.errors = [parse_nik(nik).message()]
            guests = [
                {
                    "name": form.name.data,
                    "id_type": "ktp" if nik else "other",
                    "id_number": nik,
                    "phone": form.phone.data,
                    "email": form.email.data,
                    "institution": form.institution.data,
                    "purpose": form.group.data or "",
                }
            ]
        else:
            form.name.errors = ["Isi nama tamu, atau unggah CSV peserta."]
            guests = []
        if not re.match(HHMM, form.time.data or ""):
            form.time.errors = ["Jam harus JJ:MM."]
        if (
            not csv_errors
            and not form.name.errors
            and not form.id_number.errors
            and not form.time.errors
            and guests
        ):
            try:
                made = ops.invite(
                    office,
                    target,
                    guests,
                    form.date.data,
                    form.time.data,
                    form.group.data or None,
                    current_user,
                )
            except ops.AppointmentError as exc:
                db.session.rollback()
                getattr(form, exc.field).errors = [exc.message]
            else:
                db.session.commit()
                from flask import current_app

                from ..notify import kick

                kick(current_app._get_current_object())
                flash(_("{n} undangan dibuat.", n=len(made)), "success")
                return redirect(
                    url_for("appointments.index", office=office.id, date=form.date.data.isoformat())
                )
        return (
            render_template(
                "appointments/invite.html", office=office, form=form, csv_errors=csv_errors
            ),
            400,
        )
    if request.method == "POST":
        return (
            render_template(
                "appointments/invite.html", office=office, form=form, csv_errors=csv_errors
            ),
            400,
        )
    return render_template(
        "appointments/invite.html", office=office, form=form, csv_errors=csv_errors
    )


def host_pending(host: Host) -> list[Appointment]:
    """Return the bookings waiting for this host's (or aide's) answer, and the next approved ones."""
    return list(
        db.session.scalars(
            db.select(Appointment)
            .where(
                Appointment.host_id == host.id,
                Appointment.office_id == host.office_id,
                Appointment.purged_at.is_(None),
                Appointment.status == "pending",
            )
            .order_by(Appointment.date, Appointment.time)
        )
    )


def host_today(host: Host, now: datetime | None = None) -> list[Appointment]:
    """Return this host's appointments of today (office local) still on: expected or arrived."""
    today = (now or datetime.now(UTC)).astimezone(host.office.tz).date()
    return list(
        db.session.scalars(
            db.select(Appointment)
            .where(
                Appointment.host_id == host.id,
                Appointment.office_id == host.office_id,
                Appointment.purged_at.is_(None),
                Appointment.date == today,
                Appointment.status.in_(("approved", "rescheduled", "checked_in")),
            )
            .order_by(Appointment.time, Appointment.queue)
        )
    )
