"""What happens to an appointment: booked, approved, moved, declined, cancelled, checked in,
missed; its ticket, e-mails and WhatsApp text. Routes, the CLI, the push path and tests call these.
"""

import hashlib
import hmac
import uuid
from datetime import date, datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import func, select

from reports.periods import format_day_id

from ..audit import record_audit
from ..crypto import nik_lookup_hash
from ..extensions import db
from ..models import Appointment, Attachment, Host, Office, Service
from ..models.appointment import ACTIVE_STATUSES
from ..models.base import utcnow
from . import slots, tickets

HOLDING = slots.HOLDING
LETTER_MAX_BYTES = 2 * 1024 * 1024
LETTER_TYPES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
# Days a desk sees ahead (the pull window: today and the next 7 days).
PULL_DAYS = 7


class AppointmentError(ValueError):
    """A request that cannot be done, with the form field it is about and an Indonesian message."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


# --- targets, slots, queue ---------------------------------------------------------------


def bookable_targets(office: Office) -> list[tuple[str, str, object]]:
    """Return [(key, label, service or host)] a guest may book at the office."""
    out = []
    for service in office.services:
        if service.active and service.booking_mode != "off":
            out.append((f"s{service.id}", service.name, service))
    for host in office.hosts:
        if host.active and host.booking_mode != "off":
            label = f"{host.name}" + (f" — {host.position}" if host.position else "")
            out.append((f"h{host.id}", label, host))
    return out


def resolve_target(office: Office, key: str):
    """Return the bookable service or host named by a form key ("s3", "h7"), or None."""
    for target_key, _, target in bookable_targets(office):
        if target_key == key:
            return target
    return None


def _target_filter(target):
    if isinstance(target, Host):
        return Appointment.host_id == target.id
    return Appointment.service_id == target.id


def places_left(target, day: date, time: str, exclude: str | None = None) -> int:
    """Return how many guests the target can still take at this slot."""
    query = (
        select(func.count())
        .select_from(Appointment)
        .where(
            _target_filter(target),
            Appointment.date == day,
            Appointment.time == time,
            Appointment.status.in_(HOLDING),
        )
    )
    if exclude:
        query = query.where(Appointment.id != exclude)
    return max(target.booking_capacity - (db.session.scalar(query) or 0), 0)


def next_queue(office_id: int, day: date) -> str:
    """Return the next queue number of the day's appointments ("J-001", ...)."""
    used = db.session.scalars(
        select(Appointment.queue).where(Appointment.office_id == office_id, Appointment.date == day)
    ).all()
    numbers = [int(q[2:]) for q in used if q.startswith("J-") and q[2:].isdigit()]
    return f"J-{max(numbers, default=0) + 1:03d}"


def check_slot(office: Office, target, day: date, time: str, exclude: str | None = None) -> None:
    """Raise AppointmentError when the slot cannot take one more guest."""
    problem = slots.slot_problem(office, day, time)
    if problem:
        raise AppointmentError(
            "date" if "anggal" in problem or "Kantor" in problem else "time", problem
        )
    if places_left(target, day, time, exclude) < 1:
        raise AppointmentError("time", "Jam itu sudah penuh. Pilih jam lain.")


# --- the status link -----------------------------------------------------------------------


def status_token(appointment_id: str) -> str:
    """Return the unguessable token of an appointment's status link (a keyed hash of its id,
    so e-mails sent later can carry it; only its SHA-256 is stored)."""
    key = hashlib.sha256(
        b"sitamu-appointment-link" + current_app.config["SECRET_KEY"].encode()
    ).digest()
    return tickets.b64url(hmac.new(key, appointment_id.encode(), hashlib.sha256).digest())[:32]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_by_token(token: str) -> Appointment | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(
        select(Appointment).where(
            Appointment.token_hash == token_hash(token), Appointment.purged_at.is_(None)
        )
    )


def status_url(appointment: Appointment) -> str:
    base = current_app.config.get("SITAMU_PUBLIC_URL", "").rstrip("/")
    return f"{base}/janji/s/{status_token(appointment.id)}"


# A queued e-mail holds this mark, never the link itself: the link goes in when the message
# is sent (`with_status_link`), so no table ever holds a status token, only its SHA-256.
STATUS_LINK_MARK = "{{tautan-status}}"


def with_status_link(body: str, appointment_id: str) -> str:
    """Return a queued e-mail's text with the appointment's status link in place of the mark."""
    if STATUS_LINK_MARK not in body:
        return body
    appointment = db.session.get(Appointment, appointment_id)
    return body.replace(STATUS_LINK_MARK, status_url(appointment) if appointment else "")


# --- letters -------------------------------------------------------------------------------


def letter_type(data: bytes) -> str | None:
    """Return the letter's content type read from its first bytes, or None if not PDF/JPEG/PNG."""
    for magic, content_type in LETTER_TYPES.items():
        if data.startswith(magic):
            return content_type
    return None


def store_letter(office: Office, data: bytes) -> str:
    """Store an uploaded letter as an attachment; return its SHA-256. Raises AppointmentError."""
    if len(data) > LETTER_MAX_BYTES:
        raise AppointmentError("letter", "Surat paling besar 2 MB.")
    content_type = letter_type(data)
    if content_type is None:
        raise AppointmentError("letter", "Surat harus berupa PDF, JPEG atau PNG.")
    sha = hashlib.sha256(data).hexdigest()
    if db.session.get(Attachment, sha) is None:
        db.session.add(
            Attachment(
                sha256=sha,
                office_id=office.id,
                kind="letter",
                content_type=content_type,
                size=len(data),
                data=data,
            )
        )
    return sha


def delete_letter(appointment: Appointment) -> None:
    """Delete the appointment's letter unless another appointment names the same bytes."""
    sha = appointment.letter_sha
    if not sha:
        return
    appointment.letter_sha = None
    db.session.flush()
    others = db.session.scalar(
        select(func.count()).select_from(Appointment).where(Appointment.letter_sha == sha)
    )
    attachment = db.session.get(Attachment, sha)
    if not others and attachment is not None and attachment.kind == "letter":
        db.session.delete(attachment)


# --- booking and decisions -----------------------------------------------------------------


def create_booking(
    office: Office,
    target,
    data: dict,
    letter: bytes | None = None,
    consent_version: str = "",
    now: datetime | None = None,
) -> tuple[Appointment, str]:
    """Book a slot for a guest; return the appointment and its status-link token.

    `data`: date, time, id_type, id_number, name, phone, email, institution, purpose (already
    validated by the form). Approved at once when the target's mode is "auto"."""
    now = now or utcnow()
    check_slot(office, target, data["date"], data["time"])
    appointment = _new_appointment(office, target, data, now)
    appointment.kind = "booking"
    appointment.consent_version, appointment.consent_at = consent_version, now
    if letter:
        appointment.letter_sha = store_letter(office, letter)
    if target.booking_mode == "auto":
        appointment.status, appointment.decided_at = "approved", now
    db.session.add(appointment)
    db.session.flush()
    record_audit(
        "appointment.book",
        office_id=office.id,
        target_type="appointment",
        target_id=appointment.id,
        detail={"status": appointment.status},
    )
    queue_guest_email(appointment, "approved" if appointment.status == "approved" else "received")
    if appointment.status == "pending":
        queue_approver_email(appointment)
    return appointment, status_token(appointment.id)


def _new_appointment(office: Office, target, data: dict, now: datetime) -> Appointment:
    nik = (data.get("id_number") or "").strip()
    id_type = data.get("id_type") or "ktp"
    appointment_id = str(uuid.uuid4())
    return Appointment(
        id=appointment_id,
        office_id=office.id,
        office=office,
        status="pending",
        host_id=target.id if isinstance(target, Host) else None,
        service_id=target.id if isinstance(target, Service) else None,
        date=data["date"],
        time=data["time"],
        queue=next_queue(office.id, data["date"]),
        id_type=id_type,
        id_number=nik or None,
        nik_hash=nik_lookup_hash(nik) if nik and id_type == "ktp" else None,
        name=data["name"].strip(),
        phone=(data.get("phone") or "").strip() or None,
        email=(data.get("email") or "").strip() or None,
        institution=(data.get("institution") or "").strip(),
        purpose=(data.get("purpose") or "").strip(),
        group_label=data.get("group") or None,
        token_hash=token_hash(status_token(appointment_id)),
        requested_change="",
        reason="",
        created_at=now,
        updated_at=now,
    )


def approve(appointment: Appointment, user) -> None:
    """Approve a pending booking (at the time asked, or at the new time the guest asked for)."""
    _must_be(appointment, ("pending",))
    if appointment.requested_change:
        day_text, time = appointment.requested_change.split(" ")
        _move(appointment, date.fromisoformat(day_text), time)
    appointment.status, appointment.decided_at = "approved", utcnow()
    appointment.decided_by = user.id if user else None
    appointment.requested_change = ""
    _decided(appointment, user, "approve")
    queue_guest_email(appointment, "approved")


def reschedule(appointment: Appointment, day: date, time: str, reason: str, user) -> None:
    """Propose another time: the booking is approved at the new date and time."""
    _must_be(appointment, ("pending", "approved", "rescheduled"))
    target = appointment.host or appointment.service
    check_slot(appointment.office, target, day, time, exclude=appointment.id)
    _move(appointment, day, time)
    appointment.status, appointment.decided_at, appointment.reason = (
        "rescheduled",
        utcnow(),
        reason.strip(),
    )
    appointment.decided_by = user.id if user else None
    appointment.requested_change = ""
    _decided(appointment, user, "reschedule")
    queue_guest_email(appointment, "rescheduled")


def decline(appointment: Appointment, reason: str, user) -> None:
    """Decline with a polite reason the guest reads on the status page and in the e-mail."""
    _must_be(appointment, ("pending", "approved", "rescheduled"))
    if not reason.strip():
        raise AppointmentError("reason", "Isi alasan yang tepat dan sopan.")
    appointment.status, appointment.reason, appointment.decided_at = (
        "declined",
        reason.strip(),
        utcnow(),
    )
    appointment.decided_by = user.id if user else None
    _decided(appointment, user, "decline")
    queue_guest_email(appointment, "declined")


def cancel(appointment: Appointment, reason: str = "", user=None) -> None:
    """Cancel a booking (the guest from the status page, or staff)."""
    _must_be(appointment, ("pending", "approved", "rescheduled"))
    appointment.status, appointment.reason = "cancelled", reason.strip()
    record_audit(
        "appointment.cancel",
        office_id=appointment.office_id,
        target_type="appointment",
        target_id=appointment.id,
        user_id=user.id if user else None,
        detail={"by": "staff" if user else "guest"},
    )
    queue_guest_email(appointment, "cancelled")


def request_change(appointment: Appointment, day: date, time: str, note: str = "") -> None:
    """The guest asks for another time: the booking waits for approval again."""
    _must_be(appointment, ("pending", "approved", "rescheduled"))
    target = appointment.host or appointment.service
    check_slot(appointment.office, target, day, time, exclude=appointment.id)
    if target.booking_mode == "auto":
        _move(appointment, day, time)
        appointment.status, appointment.decided_at = "approved", utcnow()
        queue_guest_email(appointment, "approved")
    else:
        appointment.requested_change = f"{day.isoformat()} {time}"
        appointment.reason = note.strip()[:300]
        appointment.status = "pending"
        queue_approver_email(appointment)
    record_audit(
        "appointment.request_change",
        office_id=appointment.office_id,
        target_type="appointment",
        target_id=appointment.id,
    )


def _move(appointment: Appointment, day: date, time: str) -> None:
    if day != appointment.date:
        appointment.queue = next_queue(appointment.office_id, day)
    appointment.date, appointment.time = day, time
    appointment.reminded_at = None


def _must_be(appointment: Appointment, statuses: tuple) -> None:
    if appointment.status not in statuses or appointment.purged_at is not None:
        raise AppointmentError("status", "Janji temu ini sudah tidak dapat diubah.")


def _decided(appointment: Appointment, user, verb: str) -> None:
    record_audit(
        f"appointment.{verb}",
        office_id=appointment.office_id,
        target_type="appointment",
        target_id=appointment.id,
        user_id=user.id if user else None,
    )


def can_decide(user, appointment: Appointment) -> bool:
    """Return True if the user may approve, move or decline this appointment: the host's own
    account (the host or the aide), or an admin of the office."""
    from ..access import can_access_office

    if user.role == "host":
        return (
            appointment.host_id is not None
            and user.host_id == appointment.host_id
            and user.office_id == appointment.office_id
        )
    return user.role in ("central_admin", "office_admin") and can_access_office(
        user, appointment.office_id
    )


# --- invitations ---------------------------------------------------------------------------


def invite(
    office: Office,
    target,
    guests: list[dict],
    day: date,
    time: str,
    group: str | None,
    user,
    now: datetime | None = None,
) -> list[Appointment]:
    """Invite guests (one, or a group for a meeting) to an approved appointment each; checks the
    date is a working day, not the capacity (the host invites as many as the meeting needs)."""
    now = now or utcnow()
    problem = slots.slot_problem(office, day, time)
    if problem and "penuh" not in problem:
        raise AppointmentError("date", problem)
    made = []
    for guest in guests:
        appointment = _new_appointment(
            office, target, dict(guest, date=day, time=time, group=group), now
        )
        appointment.kind, appointment.status, appointment.decided_at = "invitation", "approved", now
        appointment.created_by = appointment.decided_by = user.id
        db.session.add(appointment)
        db.session.flush()
        made.append(appointment)
        queue_guest_email(appointment, "invited")
    record_audit(
        "appointment.invite",
        office_id=office.id,
        target_type="appointment",
        target_id=made[0].id if made else "",
        user_id=user.id,
        detail={"guests": len(made)},
    )
    return made


# --- tickets, e-mails and WhatsApp ---------------------------------------------------------


def date_text(day: date) -> str:
    """Return "Senin, 5 Oktober 2026" (Babel, reports/periods.py)."""
    return format_day_id(day)


def ticket_data(appointment: Appointment) -> dict:
    """Return what the ticket PDF shows (plain data)."""
    import base64

    office = appointment.office
    logo = None
    if office.logo_sha:
        blob = db.session.get(Attachment, office.logo_sha)
        if blob is not None:
            logo = f"data:{blob.content_type};base64,{base64.b64encode(blob.data).decode()}"
    return {
        "office_name": office.name,
        "letterhead": list(office.letterhead or []) or [office.name.upper()],
        "logo": logo,
        "address": office.address,
        "tz_label": office.tz_label,
        "date": appointment.date.isoformat(),
        "date_text": date_text(appointment.date),
        "time": appointment.time,
        "queue": appointment.queue,
        "code": appointment.code,
        "host": appointment.host.name if appointment.host else None,
        "service": appointment.service.name if appointment.service else None,
        "name": appointment.name,
        "group": appointment.group_label,
        "qr_text": tickets.ticket_text(appointment),
    }


def ticket_pdf(appointment: Appointment) -> bytes:
    """Return the appointment's ticket PDF (only for an approved or moved appointment)."""
    from reports.ticket import render_ticket

    if appointment.status not in ACTIVE_STATUSES:
        raise AppointmentError("status", "Tiket hanya untuk janji temu yang disetujui.")
    return render_ticket(ticket_data(appointment))


def whatsapp_text(appointment: Appointment) -> str:
    """Return the click-to-chat text of a ticket: office, date, time, queue, code and the status
    link; no NIK, phone or name (the text travels in a URL)."""
    target = (
        appointment.host.name
        if appointment.host
        else (appointment.service.name if appointment.service else "")
    )
    return (
        f"Janji temu di {appointment.office.name}: {date_text(appointment.date)} pukul {appointment.time} "
        f"{appointment.office.tz_label}, {target}. Nomor antrean {appointment.queue}, kode {appointment.code}. "
        f"Tiket dan status: {status_url(appointment)}"
    )


def whatsapp_link(appointment: Appointment, to_guest: bool = False) -> str:
    """Return a wa.me link with the ticket text: to the guest's number (staff pages) or to
    nobody (the guest picks a chat, e.g. to themselves)."""
    from urllib.parse import quote

    from ..notify import whatsapp_link as link_to

    if to_guest:
        link = link_to(appointment.phone, whatsapp_text(appointment))
        if link:
            return link
    return f"https://wa.me/?text={quote(whatsapp_text(appointment), safe='')}"


GUEST_SUBJECTS = {
    "received": "Permohonan janji temu diterima",
    "approved": "Janji temu disetujui",
    "invited": "Undangan",
    "rescheduled": "Janji temu dipindah",
    "declined": "Janji temu tidak dapat dipenuhi",
    "cancelled": "Janji temu dibatalkan",
    "reminder": "Pengingat janji temu besok",
}


def guest_email_body(appointment: Appointment, why: str) -> str:
    office = appointment.office
    lines = [f"Yth. {appointment.name},", ""]
    when = f"{date_text(appointment.date)} pukul {appointment.time} {office.tz_label}"
    if why == "received":
        lines.append(
            f"Permohonan janji temu Anda di {office.name} untuk {when} sudah kami terima dan "
            "menunggu persetujuan."
        )
    elif why in ("approved", "invited", "reminder"):
        opener = {
            "approved": "Janji temu Anda disetujui",
            "invited": "Anda diundang",
            "reminder": "Mengingatkan janji temu Anda besok",
        }[why]
        lines.append(f"{opener} di {office.name}: {when}.")
        if appointment.group_label:
            lines.append(f"Acara: {appointment.group_label}.")
        lines.append(
            f"Nomor antrean {appointment.queue}, kode {appointment.code}. Tiket terlampir (PDF); "
            "tunjukkan QR-nya dan KTP Anda di meja tamu."
        )
    elif why == "rescheduled":
        lines.append(f"Janji temu Anda dipindah ke {when}.")
        if appointment.reason:
            lines.append(f"Keterangan: {appointment.reason}")
        lines.append(
            f"Nomor antrean {appointment.queue}, kode {appointment.code}. Tiket baru terlampir."
        )
    elif why == "declined":
        lines.append(
            f"Mohon maaf, janji temu Anda di {office.name} untuk {when} tidak dapat dipenuhi."
        )
        lines.append(f"Alasan: {appointment.reason}")
    elif why == "cancelled":
        lines.append(f"Janji temu Anda di {office.name} untuk {when} telah dibatalkan.")
    lines += [
        "",
        f"Status dan tiket: {STATUS_LINK_MARK}",
        "",
        "Pesan ini dikirim otomatis oleh Sitamu.",
    ]
    return "\n".join(lines)


def queue_guest_email(appointment: Appointment, why: str):
    """Queue an e-mail to the guest (none without an address); approved ones carry the ticket."""
    from ..notify import queue_email

    if not appointment.email:
        return None
    note = queue_email(
        office_id=appointment.office_id,
        recipient=appointment.email,
        subject=f"{GUEST_SUBJECTS[why]}: {appointment.office.name}",
        body=guest_email_body(appointment, why),
    )
    note.appointment_id = appointment.id
    return note


def queue_approver_email(appointment: Appointment):
    """Tell the host (or the office) a booking waits for approval; no guest personal data."""
    from ..notify import queue_email

    host = appointment.host
    recipient = host.email if host and host.email else appointment.office.email
    if not recipient:
        return None
    base = current_app.config.get("SITAMU_PUBLIC_URL", "").rstrip("/")
    where = f"{base}/host/" if host else f"{base}/appointments/"
    note = queue_email(
        office_id=appointment.office_id,
        recipient=recipient,
        host_id=host.id if host else None,
        subject=f"Permohonan janji temu {appointment.queue} menunggu persetujuan",
        body=(
            f"Ada permohonan janji temu untuk {date_text(appointment.date)} pukul "
            f"{appointment.time}. Mohon setujui, pindahkan atau tolak dengan sopan di Sitamu: "
            f"{where}\n\nPesan ini dikirim otomatis oleh Sitamu."
        ),
    )
    note.appointment_id = appointment.id
    return note


def queue_reminders(now: datetime | None = None) -> int:
    """Queue the day-before reminder of every approved appointment of tomorrow (office local
    date) not yet reminded; return how many. Run daily (`sitamu appointments daily`)."""
    now = now or utcnow()
    count = 0
    for office in db.session.scalars(select(Office)):
        tomorrow = now.astimezone(office.tz).date() + timedelta(days=1)
        for appointment in db.session.scalars(
            select(Appointment).where(
                Appointment.office_id == office.id,
                Appointment.date == tomorrow,
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.reminded_at.is_(None),
                Appointment.purged_at.is_(None),
            )
        ).all():
            appointment.reminded_at = now
            if queue_guest_email(appointment, "reminder") is not None:
                count += 1
    db.session.commit()
    return count


def mark_no_shows(now: datetime | None = None) -> int:
    """Turn approved appointments of days that have ended (office local date) without a
    check-in into no-shows; return how many."""
    now = now or utcnow()
    count = 0
    for office in db.session.scalars(select(Office)):
        today = now.astimezone(office.tz).date()
        for appointment in db.session.scalars(
            select(Appointment).where(
                Appointment.office_id == office.id,
                Appointment.date < today,
                Appointment.status.in_(ACTIVE_STATUSES),
            )
        ).all():
            appointment.status = "no_show"
            count += 1
    db.session.commit()
    return count


def announce_coming_days(now: datetime | None = None) -> int:
    """Log a put for the active appointments entering the desks' window (today + 7 days), so a
    tablet in change-log mode learns of bookings made long before; return how many."""
    from ..changes import log_changes

    now = now or utcnow()
    rows = []
    for office in db.session.scalars(select(Office)):
        last = now.astimezone(office.tz).date() + timedelta(days=PULL_DAYS)
        for appointment_id in db.session.scalars(
            select(Appointment.id).where(
                Appointment.office_id == office.id,
                Appointment.date.in_([last - timedelta(days=1), last]),
                Appointment.status.in_(ACTIVE_STATUSES),
            )
        ):
            rows.append(
                {
                    "office_id": office.id,
                    "entity": "appointment",
                    "entity_id": appointment_id,
                    "op": "put",
                }
            )
    log_changes(db.session.connection(), rows)
    db.session.commit()
    return len(rows)


# --- check-in from the push path -----------------------------------------------------------


def record_checkins(office_id: int, derived: dict[str, dict], first_times: dict[str, str]) -> None:
    """Mark appointments checked in by pushed visits (their derived `appointment_id`), in the
    push's transaction. The earliest registration by corrected time (ties: smaller visit id)
    keeps the appointment; any other visit naming it is flagged `appointment_duplicate`.
    Queues the host's "tamu janji temu tiba" e-mail once. `first_times`: visit id ->
    corrected time of its registration."""
    from ..models import Visit

    wanted = {}
    for visit_id, d in derived.items():
        appointment_id = d.get("appointment_id")
        if appointment_id:
            wanted.setdefault(appointment_id, []).append(visit_id)
    if not wanted:
        return
    # Locked (PostgreSQL): two tablets' pushes checking in one appointment at the same moment
    # run one after the other, so the second sees the first's check-in and flags its duplicate.
    appointments = {
        a.id: a
        for a in db.session.scalars(
            select(Appointment)
            .where(Appointment.id.in_(list(wanted)), Appointment.office_id == office_id)
            .order_by(Appointment.id)  # one lock order for every push: no deadlock
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    for appointment_id, visit_ids in wanted.items():
        appointment = appointments.get(appointment_id)
        if appointment is None:
            continue
        candidates = {v: first_times.get(v) or "" for v in visit_ids}
        if appointment.checked_in_visit_id and appointment.checked_in_visit_id not in candidates:
            other = db.session.get(Visit, appointment.checked_in_visit_id)
            if other is not None and other.registered_at is not None:
                from sync.rules import format_time

                candidates[other.id] = format_time(other.registered_at)
        winner = _first_checkin(candidates)
        was = appointment.checked_in_visit_id
        if appointment.status in ACTIVE_STATUSES + ("checked_in", "no_show"):
            appointment.checked_in_visit_id = winner
            appointment.status = "checked_in"
            if was != winner or appointment.checked_in_at is None:
                visit = db.session.get(Visit, winner)
                appointment.checked_in_at = visit.registered_at if visit is not None else utcnow()
        for visit_id in candidates:
            _flag_duplicate(visit_id, visit_id != winner)
        if was is None:
            _notify_arrival(appointment, winner)


def _first_checkin(candidates: dict[str, str]) -> str:
    """Return the visit that keeps the appointment (sync.rules.first_checkin when present)."""
    try:
        from sync.rules import first_checkin
    except ImportError:
        first_checkin = None
    if first_checkin is not None:
        try:
            chosen = first_checkin(
                [{"visit_id": v, "registered_at": t} for v, t in candidates.items()]
            )
            if isinstance(chosen, dict):
                chosen = chosen.get("visit_id")
            if chosen in candidates:
                return chosen
        except (TypeError, KeyError):
            pass
    return min(candidates, key=lambda v: (candidates[v], v))


def _flag_duplicate(visit_id: str, duplicate: bool) -> None:
    from ..models import Visit

    visit = db.session.get(Visit, visit_id)
    if visit is None:
        return
    state = dict(visit.state or {})
    if bool(state.get("appointment_duplicate")) != duplicate:
        state["appointment_duplicate"] = duplicate
        visit.state = state


def _notify_arrival(appointment: Appointment, visit_id: str) -> None:
    """Queue "tamu janji temu tiba" to the host (or the office) once per appointment."""
    from sqlalchemy.exc import IntegrityError

    from ..notify import queue_email

    host = appointment.host
    recipient = host.email if host and host.email and host.active else appointment.office.email
    if not recipient:
        return
    base = current_app.config.get("SITAMU_PUBLIC_URL", "").rstrip("/")
    try:
        with db.session.begin_nested():
            note = queue_email(
                office_id=appointment.office_id,
                recipient=recipient,
                host_id=host.id if host else None,
                visit_id=visit_id,
                subject=f"Tamu janji temu tiba: {appointment.queue}",
                body=(
                    f"Tamu janji temu tiba di {appointment.office.name}: nomor antrean "
                    f"{appointment.queue}, janji pukul {appointment.time}. "
                    f"Jawab di Sitamu: {base}/host/\n\nPesan ini dikirim otomatis oleh Sitamu."
                ),
            )
            note.appointment_id = appointment.id
    except IntegrityError:  # the "guest waiting" message of this visit is already queued
        pass


# --- pull ----------------------------------------------------------------------------------


def window_dates(office: Office, now: datetime | None = None) -> tuple[date, date]:
    today = (now or utcnow()).astimezone(office.tz).date()
    return today, today + timedelta(days=PULL_DAYS)


def visible_to_desk(appointment: Appointment, office: Office, now: datetime | None = None) -> bool:
    first, last = window_dates(office, now)
    return (
        appointment.office_id == office.id
        and appointment.purged_at is None
        and appointment.status in ACTIVE_STATUSES + ("checked_in",)
        and first <= appointment.date <= last
    )


def desk_window_query(office: Office, now: datetime | None = None):
    """Return the select of the appointments the office's desks hold."""
    first, last = window_dates(office, now)
    return (
        select(Appointment)
        .where(
            Appointment.office_id == office.id,
            Appointment.purged_at.is_(None),
            Appointment.date >= first,
            Appointment.date <= last,
            Appointment.status.in_(ACTIVE_STATUSES + ("checked_in",)),
        )
        .order_by(Appointment.date, Appointment.time, Appointment.id)
    )


def appointment_data(appointment: Appointment) -> dict:
    """Return what a desk sees of an appointment: no NIK or phone, only their masks."""
    from sync.rules import mask_id_number

    phone = appointment.phone or ""
    return {
        "id": appointment.id,
        "code": appointment.code,
        "office_code": appointment.office.code,
        "date": appointment.date.isoformat(),
        "time": appointment.time,
        "queue": appointment.queue,
        "service_id": appointment.service_id,
        "host_id": appointment.host_id,
        "status": appointment.status,
        "name": appointment.name,
        "institution": appointment.institution,
        "purpose": appointment.purpose,
        "id_type": appointment.id_type,
        "id_number_masked": mask_id_number(appointment.id_number),
        "phone_masked": ("•" * max(len(phone) - 3, 0) + phone[-3:]) if phone else "",
        "kind": appointment.kind,
        "group": appointment.group_label,
    }


# --- privacy -------------------------------------------------------------------------------


def purge_appointment(appointment: Appointment, now: datetime | None = None) -> None:
    """Remove an appointment's personal data and letter (retention or erasure); desks get a
    tombstone (the change-log hook logs the update, the pull turns a purged one into a delete)."""
    from ..models import Notification
    from ..notify import forget_message

    appointment.id_number = appointment.nik_hash = appointment.phone = appointment.email = None
    appointment.name = appointment.institution = appointment.purpose = appointment.reason = ""
    appointment.requested_change = ""
    delete_letter(appointment)
    appointment.purged_at = now or utcnow()
    for note in db.session.scalars(
        select(Notification).where(Notification.appointment_id == appointment.id)
    ):
        forget_message(note, address=True)


def find_by_nik(nik: str, office_ids: list[int] | None) -> list[Appointment]:
    query = select(Appointment).where(
        Appointment.nik_hash == nik_lookup_hash(nik), Appointment.purged_at.is_(None)
    )
    if office_ids is not None:
        query = query.where(Appointment.office_id.in_(office_ids))
    return list(db.session.scalars(query))


def purge_guest_appointments(visits, now: datetime | None = None) -> int:
    """Purge the appointments of the guest of these visits (erasure): those the visits checked
    in, and those booked with the same NIK at the same offices; return how many."""
    from sqlalchemy import or_

    pairs = {(v.office_id, v.nik_hash) for v in visits if v.nik_hash}
    conditions = [Appointment.checked_in_visit_id.in_([v.id for v in visits])]
    conditions += [
        (Appointment.office_id == office_id) & (Appointment.nik_hash == nik_hash)
        for office_id, nik_hash in pairs
    ]
    found = db.session.scalars(
        select(Appointment).where(or_(*conditions), Appointment.purged_at.is_(None))
    ).all()
    for appointment in found:
        purge_appointment(appointment, now)
        record_audit(
            "privacy.erase",
            office_id=appointment.office_id,
            target_type="appointment",
            target_id=appointment.id,
        )
    return len(found)


def run_retention(now: datetime | None = None, office_code: str | None = None) -> int:
    """Purge appointments past their office's retention (by date), and delete the letters of
    declined or cancelled ones once their date has passed; return appointments purged."""
    now = now or utcnow()
    count = 0
    offices = (
        select(Office) if not office_code else select(Office).where(Office.code == office_code)
    )
    for office in db.session.scalars(offices):
        cutoff = (now - timedelta(days=office.retention_days)).astimezone(office.tz).date()
        for appointment in db.session.scalars(
            select(Appointment).where(
                Appointment.office_id == office.id,
                Appointment.purged_at.is_(None),
                Appointment.date < cutoff,
            )
        ).all():
            purge_appointment(appointment, now)
            count += 1
        today = now.astimezone(office.tz).date()
        for appointment in db.session.scalars(
            select(Appointment).where(
                Appointment.office_id == office.id,
                Appointment.letter_sha.is_not(None),
                Appointment.status.in_(("declined", "cancelled")),
                Appointment.date < today,
            )
        ).all():
            delete_letter(appointment)
    db.session.commit()
    return count


def now_utc() -> datetime:
    return datetime.now(timezone.utc)
