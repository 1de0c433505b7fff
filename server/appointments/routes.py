"""The public pages: book a slot, and the guest's status page behind an unguessable link."""

from flask import Response, abort, redirect, render_template, request, url_for

from ..extensions import db, limiter
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


@bp.route("/<code>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def book(code: str):
    """Show and take the office's public booking form."""
    office = _office(code)
    targets = ops.bookable_targets(office)
    if not targets:
        return render_template("appointments/closed.html", office=office), 404
    form = BookingForm()
    form.target.choices = select_choices([("", "—")] + [(k, label) for k, label, _ in targets])
    form.time.choices = _time_choices(office)
    error = None
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
            error = "Periksa kembali isian yang ditandai. Tidak ada yang disimpan."
        else:
            db.session.commit()
            _kick()
            return redirect(url_for("appointments_public.status", token=token), code=303)
    elif request.method == "POST":
        error = "Periksa kembali isian yang ditandai. Tidak ada yang disimpan."
    return render_template(
        "appointments/book.html",
        office=office,
        form=form,
        error=error,
        today=slots.local_today(office),
        settings=slots.settings(office),
        weekdays=slots.WEEKDAYS,
    ), (400 if error else 200)


def _kick():
    from flask import current_app

    from ..notify import kick

    kick(current_app._get_current_object())


def _date_text(day) -> str:
    """Return the date in words in the page's language."""
    from flask_babel import format_date, get_locale

    return format_date(day, "full") if str(get_locale()) == "en" else ops.date_text(day)


def _by_token(token: str):
    appointment = ops.find_by_token(token)
    if appointment is None:
        abort(404)
    return appointment


def _status_page(appointment, token, cancel=None, change=None, status=200):
    change = change or ChangeForm(formdata=None, prefix="c")
    change.time.choices = _time_choices(appointment.office)
    return (
        render_template(
            "appointments/status.html",
            a=appointment,
            office=appointment.office,
            token=token,
            cancel=cancel or CancelForm(formdata=None, prefix="x"),
            change=change,
            active=appointment.status in ACTIVE_STATUSES,
            can_change=appointment.status in ("pending",) + ACTIVE_STATUSES,
            date_text=_date_text(appointment.date),
            wa_link=(
                ops.whatsapp_link(appointment) if appointment.status in ACTIVE_STATUSES else None
            ),
        ),
        status,
    )


@bp.route("/s/<token>")
def status(token: str):
    """Show the guest where the booking stands, with cancel and change forms."""
    appointment = _by_token(token)
    return _status_page(appointment, token)


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
