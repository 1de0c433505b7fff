"""The public pages: book a slot, and the guest's status page behind an unguessable link."""

from datetime import date, timedelta

from flask import Response, abort, jsonify, redirect, render_template, request, url_for

from ..errors import ApiError, json_endpoint
from ..extensions import db, limiter
from ..i18n import N_, translate
from ..models import Office
from ..models.appointment import ACTIVE_STATUSES
from ..webutil import select_choices
from . import operations as ops
from . import public_bp as bp
from . import slots
from .forms import CONSENT_VERSION, BookingForm, CancelForm, ChangeForm


def _office(code: str) -> Office:
    office = db.session.scalar(db.select(Office).where(Office.code == code))
    if office is None:
        abort(404)
    return office


def _time_choices(office: Office):
    return select_choices([("", "—")] + [(t, t) for t in slots.all_slot_times(office)])


def _read_letter(form) -> bytes | None:
    upload = form.letter.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    # Read at most one byte past the limit: a larger file is refused without holding it all.
    return upload.stream.read(ops.LETTER_MAX_BYTES + 1)


def _pick(office: Office, target_key: str, day_text: str):
    """Return (target, date, {field: Indonesian message}) of a chosen service/host and date."""
    errors = {}
    target = ops.resolve_target(office, target_key) if target_key else None
    if not target_key:
        errors["target"] = "Pilih layanan atau pejabat."
    elif target is None:
        errors["target"] = "Layanan atau pejabat itu tidak menerima janji temu di kantor ini."
    day, problem = _pick_date(day_text)
    if problem:
        errors["date"] = problem
    return target, day, errors


def _pick_date(day_text: str):
    """Return (date, None) of a chosen "YYYY-MM-DD", or (None, Indonesian message)."""
    if not day_text:
        return None, "Pilih tanggal."
    try:
        return date.fromisoformat(day_text), None
    except ValueError:
        return None, N_("Tanggal harus berbentuk TTTT-BB-HH.")


def _slot_label(slot: dict) -> str:
    return translate("sisa {n} tempat", n=slot["left"])


def _booking_page(office, form, error=None, status=200):
    """Render the booking form with the free slots of the chosen service/host and date."""
    target = ops.resolve_target(office, form.target.data or "")
    day = form.date.data if not form.date.errors else None
    free, reason = slots.free_slots(office, target, day) if target and day else ([], None)
    return render_template(
        "appointments/book.html",
        office=office,
        form=form,
        error=error,
        today=slots.local_today(office),
        last_day=slots.local_today(office) + timedelta(days=slots.BOOKING_DAYS_AHEAD),
        settings=slots.settings(office),
        hour_runs=slots.hour_runs(office),
        picked=bool(target and day),
        free=[dict(s, label=_slot_label(s)) for s in free],
        reason=reason,
        date_text=_date_text(day) if day else "",
    ), status


@bp.route("/<code>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def book(code: str):
    """Show and take the office's public booking form; a GET with ?target=&date= lists that
    date's free slots (the page works without JavaScript)."""
    office = _office(code)
    targets = ops.bookable_targets(office)
    if not targets:
        return render_template("appointments/closed.html", office=office), 404
    form = BookingForm()
    form.target.choices = select_choices([("", "—")] + [(k, label) for k, label, _ in targets])
    # Any time of any weekday passes the form; the slot itself is judged by ops.check_slot,
    # so a slot that filled since the page was shown gets its own message.
    form.time.choices = _time_choices(office)
    if request.method == "GET":
        target_key, day_text = request.args.get("target", ""), request.args.get("date", "")
        if not (target_key or day_text):
            return _booking_page(office, form)
        _, day, errors = _pick(office, target_key, day_text)
        form.target.data, form.date.data, form.date.raw_data = target_key, day, [day_text]
        for name, message in errors.items():
            getattr(form, name).errors = [message]
        return _booking_page(office, form, status=400 if errors else 200)
    if form.validate_on_submit():
        target = ops.resolve_target(office, form.target.data)
        try:
            letter = _read_letter(form)
            appointment, token = ops.create_booking(
                office,
                target,
                {
                    name: getattr(form, name).data
                    for name in (
                        "date",
                        "time",
                        "id_type",
                        "id_number",
                        "name",
                        "phone",
                        "email",
                        "institution",
                        "purpose",
                    )
                },
                letter=letter,
                consent_version=CONSENT_VERSION,
            )
        except ops.AppointmentError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors = list(getattr(form, exc.field).errors or []) + [
                exc.message
            ]
        else:
            db.session.commit()
            _kick()
            return redirect(url_for("appointments_public.status", token=token), code=303)
    return _booking_page(
        office, form, "Periksa kembali isian yang ditandai. Tidak ada yang disimpan.", 400
    )


@bp.route("/<code>/slots")
@json_endpoint
@limiter.limit("120 per minute")
def free_slots(code: str):
    """Return the free slots of a service or host on a date as JSON (no personal data)."""
    office = db.session.scalar(db.select(Office).where(Office.code == code))
    if office is None:
        raise ApiError(404, "not_found", translate("Kantor tidak ditemukan."))
    args = request.args
    names = [n for n in ("target", "service", "host") if args.get(n)]
    field = names[0] if names else "target"
    key = args.get("target") or ""
    if field == "service":
        key = f"s{args['service']}"
    elif field == "host":
        key = f"h{args['host']}"
    target, day, errors = _pick(office, key, args.get("date", ""))
    if errors:
        fields = {(field if name == "target" else name): translate(m) for name, m in errors.items()}
        raise ApiError(400, "invalid", translate("Periksa kembali isian."), fields)
    free, reason = slots.free_slots(office, target, day)
    response = jsonify(
        {
            "office": office.code,
            "target": key,
            "date": day.isoformat(),
            "slots": [dict(s, label=_slot_label(s)) for s in free],
            "message": translate(reason) if reason else None,
            "heading": translate("Jam yang masih kosong pada {day}:", day=_date_text(day)),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _kick():
    from flask import current_app

    from ..notify import kick

    kick(current_app._get_current_object())


def _date_text(day) -> str:
    """Return the date in words in the page's language."""
    from flask_babel import format_date, get_locale

    return format_date(day, "full") if str(get_locale()) == "en" else ops.date_text(day)


def requested_text(appointment) -> str:
    """Return the time the guest asked for in words ("Rabu, 9 Desember 2026 13:00 WIB")."""
    day, _, time = appointment.requested_change.partition(" ")
    try:
        return f"{_date_text(date.fromisoformat(day))} {time} {appointment.office.tz_label}"
    except ValueError:
        return appointment.requested_change


def _by_token(token: str):
    appointment = ops.find_by_token(token)
    if appointment is None:
        abort(404)
    return appointment


def _change_slots(appointment, day):
    """Return the free slots of the booking's own service or host on a date, without the slot
    the booking holds now (asking for it changes nothing), and why there is none."""
    target = appointment.host or appointment.service
    if target is None:
        return [], slots.NO_FREE_DAY
    free, reason = slots.free_slots(appointment.office, target, day)
    free = [s for s in free if (day, s["time"]) != (appointment.date, appointment.time)]
    return free, reason or (None if free else slots.NO_FREE_FULL)


def _status_page(appointment, token, cancel=None, change=None, status=200):
    """Render the status page; a change form with a date lists that date's free slots."""
    change = change or ChangeForm(formdata=None, prefix="c")
    office = appointment.office
    day = change.date.data if not change.date.errors else None
    free, reason = _change_slots(appointment, day) if day else ([], None)
    target = appointment.host or appointment.service
    return (
        render_template(
            "appointments/status.html",
            a=appointment,
            office=office,
            token=token,
            cancel=cancel or CancelForm(formdata=None, prefix="x"),
            change=change,
            active=appointment.status in ACTIVE_STATUSES,
            can_change=appointment.status in ("pending",) + ACTIVE_STATUSES,
            date_text=_date_text(appointment.date),
            wa_link=(
                ops.whatsapp_link(appointment) if appointment.status in ACTIVE_STATUSES else None
            ),
            target_key=(f"h{target.id}" if appointment.host else f"s{target.id}") if target else "",
            today=slots.local_today(office),
            last_day=slots.local_today(office) + timedelta(days=slots.BOOKING_DAYS_AHEAD),
            picked=bool(day),
            free=[dict(s, label=_slot_label(s)) for s in free],
            reason=reason,
            change_date_text=_date_text(day) if day else "",
            full_message=slots.NO_FREE_FULL,
        ),
        status,
    )


@bp.route("/s/<token>")
def status(token: str):
    """Show the guest where the booking stands, with cancel and change forms; ?date= lists
    that date's free slots in the change form (the page works without JavaScript)."""
    appointment = _by_token(token)
    day_text = request.args.get("date", "")
    if not day_text or appointment.status not in ("pending",) + ACTIVE_STATUSES:
        return _status_page(appointment, token)
    change = ChangeForm(formdata=None, prefix="c")
    change.date.raw_data = [day_text]
    change.date.data, problem = _pick_date(day_text)
    if problem:
        change.date.errors = [problem]
    return _status_page(appointment, token, change=change, status=400 if problem else 200)


@bp.route("/s/<token>/cancel", methods=["POST"])
@limiter.limit("20 per hour")
def cancel(token: str):
    """Cancel the booking (the guest)."""
    appointment = _by_token(token)
    form = CancelForm(prefix="x")
    if not form.validate_on_submit():
        return _status_page(appointment, token, cancel=form, status=400)
    try:
        ops.cancel(appointment, form.reason.data or "")
    except ops.AppointmentError:
        db.session.rollback()
        return _status_page(appointment, token, status=409)
    db.session.commit()
    _kick()
    return redirect(url_for("appointments_public.status", token=token), code=303)


@bp.route("/s/<token>/change", methods=["POST"])
@limiter.limit("20 per hour")
def change(token: str):
    """Ask for another date and time (the guest)."""
    appointment = _by_token(token)
    form = ChangeForm(prefix="c")
    # Any time of any weekday passes the form; ops.check_slot judges the slot itself, so a
    # slot that filled since the page was shown gets its own message.
    form.time.choices = _time_choices(appointment.office)
    if form.validate_on_submit():
        try:
            ops.request_change(appointment, form.date.data, form.time.data, form.note.data or "")
        except ops.AppointmentError as exc:
            db.session.rollback()
            target = form.date if exc.field == "date" else form.time
            target.errors = list(target.errors or []) + [exc.message]
        else:
            db.session.commit()
            _kick()
            return redirect(url_for("appointments_public.status", token=token), code=303)
    return _status_page(appointment, token, change=form, status=400)


@bp.route("/s/<token>/tiket.pdf")
@limiter.limit("30 per hour")
def ticket(token: str):
    """Return the ticket PDF of an approved booking."""
    appointment = _by_token(token)
    if appointment.status not in ACTIVE_STATUSES:
        abort(404)
    pdf = ops.ticket_pdf(appointment)
    db.session.commit()  # the office key, made on first use
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="tiket-{appointment.code}.pdf"',
            "Cache-Control": "no-store",
        },
    )
