"""Office opening hours for bookings, the slots of a day, and what each slot has left."""

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..i18n import N_
from ..models import Appointment, Host

DEFAULT_HOURS = {
    "0": ["08:00", "15:00"],
    "1": ["08:00", "15:00"],
    "2": ["08:00", "15:00"],
    "3": ["08:00", "15:00"],
    "4": ["08:00", "11:00"],
}
DEFAULT_SLOT_MINUTES = 30
BOOKING_DAYS_AHEAD = 60  # the furthest date a guest may book
# Statuses that hold a place in a slot.
HOLDING = ("pending", "approved", "rescheduled", "checked_in")
# Why a date or time cannot be booked: Indonesian, translated where a page shows them.
NO_FREE_DAY = N_("Kantor tidak melayani janji temu pada tanggal itu.")
NO_FREE_PAST = N_("Jam layanan pada tanggal itu sudah lewat. Pilih tanggal lain.")
NO_FREE_FULL = N_("Semua jam pada tanggal itu sudah penuh. Pilih tanggal lain.")


def settings(office) -> dict:
    """Return the office's booking settings with defaults filled in."""
    raw = office.booking or {}
    return {
        "hours": raw.get("hours", DEFAULT_HOURS),
        "closed": list(raw.get("closed", [])),
        "slot_minutes": int(raw.get("slot_minutes", DEFAULT_SLOT_MINUTES)),
    }


def hour_runs(office) -> list[tuple[int, int, str, str]]:
    """Return the opening hours as runs of consecutive weekdays with the same hours:
    [(first weekday, last weekday, "HH:MM", "HH:MM")], Monday = 0 (Senin–Kamis 08:00–15:00)."""
    runs, week = [], settings(office)["hours"]
    for day in range(7):
        hours = week.get(str(day))
        if not hours:
            continue
        if runs and runs[-1][1] == day - 1 and runs[-1][2:] == tuple(hours):
            runs[-1] = (runs[-1][0], day, *hours)
        else:
            runs.append((day, day, *hours))
    return runs


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def day_slots(office, day: date) -> list[str]:
    """Return the day's slot start times ("HH:MM"); none on a closed day or weekday."""
    conf = settings(office)
    if day.isoformat() in conf["closed"]:
        return []
    hours = conf["hours"].get(str(day.weekday()))
    if not hours:
        return []
    start, end, step = _minutes(hours[0]), _minutes(hours[1]), max(conf["slot_minutes"], 5)
    return [f"{m // 60:02d}:{m % 60:02d}" for m in range(start, end, step) if m + step <= end]


def all_slot_times(office) -> list[str]:
    """Return every slot time of any weekday (for the booking form's time list)."""
    times = set()
    monday = date(2026, 1, 5)
    conf = dict(settings(office), closed=[])
    for offset in range(7):
        times.update(day_slots_with(conf, monday + timedelta(days=offset)))
    return sorted(times)


def day_slots_with(conf: dict, day: date) -> list[str]:
    hours = conf["hours"].get(str(day.weekday()))
    if not hours:
        return []
    start, end, step = _minutes(hours[0]), _minutes(hours[1]), max(conf["slot_minutes"], 5)
    return [f"{m // 60:02d}:{m % 60:02d}" for m in range(start, end, step) if m + step <= end]


def local_today(office) -> date:
    return datetime.now(office.tz).date()


def date_problem(office, day: date, now_local: datetime | None = None) -> str | None:
    """Return why no slot of this date may be booked (Indonesian), or None."""
    now_local = now_local or datetime.now(office.tz)
    if day < now_local.date():
        return N_("Tanggal sudah lewat.")
    if day > now_local.date() + timedelta(days=BOOKING_DAYS_AHEAD):
        return N_("Pemesanan paling lama 60 hari ke depan.")
    if not day_slots(office, day):
        return NO_FREE_DAY
    return None


def slot_problem(office, day: date, time: str, now_local: datetime | None = None) -> str | None:
    """Return why a guest may not book this date and time (Indonesian), or None."""
    now_local = now_local or datetime.now(office.tz)
    problem = date_problem(office, day, now_local)
    if problem:
        return problem
    if time not in day_slots(office, day):
        return N_("Jam itu di luar jam layanan.")
    if day == now_local.date() and time <= now_local.strftime("%H:%M"):
        return N_("Jam itu sudah lewat.")
    return None


def taken(target, day: date) -> dict[str, int]:
    """Return {time: guests holding a place} of a service's or host's bookings on a day."""
    column = Appointment.host_id if isinstance(target, Host) else Appointment.service_id
    rows = db.session.execute(
        select(Appointment.time, func.count())
        .where(column == target.id, Appointment.date == day, Appointment.status.in_(HOLDING))
        .group_by(Appointment.time)
    ).all()
    return {time: count for time, count in rows}


def free_slots(
    office, target, day: date, now_local: datetime | None = None
) -> tuple[list[dict], str | None]:
    """Return the day's bookable slots [{"time", "left"}] of a service or host, and when there
    is none, why (Indonesian): a past or too distant date, a closed day, every time past, full."""
    now_local = now_local or datetime.now(office.tz)
    problem = date_problem(office, day, now_local)
    if problem:
        return [], problem
    times = [t for t in day_slots(office, day) if slot_problem(office, day, t, now_local) is None]
    if not times:
        return [], NO_FREE_PAST
    used = taken(target, day)
    free = [
        {"time": t, "left": target.booking_capacity - used.get(t, 0)}
        for t in times
        if target.booking_capacity - used.get(t, 0) > 0
    ]
    return free, (None if free else NO_FREE_FULL)
