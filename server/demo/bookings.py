"""Demo bookings: every demo office takes bookings for its first service (approved at once)
and for one host through the host's aide, and has a few guests booked for today and the next
working days, so the booking page (/janji/<code>), the host inbox and the desk's "Tamu
terjadwal hari ini" have something to show as soon as the demo is loaded."""
import random
from datetime import date, datetime, timedelta

from ..appointments import slots
from ..appointments.operations import _new_appointment
from ..extensions import db
from .offices import Ctx
from .people import make_guest

SERVICE_CAPACITY = 2  # guests per slot for the bookable service


def open_bookings(ctx: Ctx):
    """Let guests book the office's first service (approved at once) and its first available
    host with an aide (approved by the aide); return (service, host)."""
    service = ctx.services[0][0]
    service.booking_mode, service.booking_capacity = "auto", SERVICE_CAPACITY
    host = next((h for h in ctx.hosts if h.available and h.aide_name), None)
    if host is not None:
        host.booking_mode, host.booking_capacity = "approval", 1
    return service, host


def _working_days(office, first: date, count: int) -> list[date]:
    """Return the first `count` days from `first` on that have booking slots."""
    days, day = [], first
    while len(days) < count and day < first + timedelta(days=21):
        if slots.day_slots(office, day):
            days.append(day)
        day += timedelta(days=1)
    return days


def book_demo(rng: random.Random, ctx: Ctx, local_today: date, now: datetime) -> int:
    """Open bookings and book guests: today (if the office works today) two guests for the
    service and one for the host, all approved; on the next working day one guest waiting for
    the aide's approval and one for the service. Return how many appointments were made."""
    office = ctx.office
    service, host = open_bookings(ctx)
    plan = []
    today_slots = slots.day_slots(office, local_today)
    if today_slots:
        plan += [(local_today, service, today_slots[1], "approved"),
                 (local_today, service, today_slots[len(today_slots) // 2], "approved")]
        if host is not None:
            plan.append((local_today, host, today_slots[-2], "approved"))
    following = _working_days(office, local_today + timedelta(days=1), 1)
    for day in following:
        day_slots = slots.day_slots(office, day)
        plan.append((day, service, day_slots[0], "approved"))
        if host is not None:
            plan.append((day, host, day_slots[2], "pending"))
    for day, target, time, status in plan:
        guest = make_guest(rng, office.code, day)
        purposes = ctx.services[0][2]
        appointment = _new_appointment(office, target, {
            "date": day, "time": time, "id_type": guest.id_type, "id_number": guest.id_number,
            "name": guest.name, "phone": guest.phone, "email": "",
            "institution": guest.institution, "purpose": rng.choice(purposes),
        }, now - timedelta(days=2))
        appointment.kind, appointment.status = "booking", status
        appointment.consent_version, appointment.consent_at = "demo", now - timedelta(days=2)
        if status == "approved":
            appointment.decided_at = now - timedelta(days=1)
        db.session.add(appointment)
        db.session.flush()  # the next queue letter counts this one
    return len(plan)
