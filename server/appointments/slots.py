"""Office opening hours for bookings, the slots of a day, and what each slot has left."""

from datetime import date, datetime, timedelta

DEFAULT_HOURS = {
    "0": ["08:00", "15:00"],
    "1": ["08:00", "15:00"],
    "2": ["08:00", "15:00"],
    "3": ["08:00", "15:00"],
    "4": ["08:00", "11:00"],
}
DEFAULT_SLOT_MINUTES = 30
BOOKING_DAYS_AHEAD = 60  # the furthest date a guest may book
WEEKDAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def settings(office) -> dict:
    """Return the office's booking settings with defaults filled in."""
    raw = office.booking or {}
    return {
        "hours": raw.get("hours", DEFAULT_HOURS),
        "closed": list(raw.get("closed", [])),
        "slot_minutes": int(raw.get("slot_minutes", DEFAULT_SLOT_MINUTES)),
    }


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


def slot_problem(office, day: date, time: str, now_local: datetime | None = None) -> str | None:
    """Return why a guest may not book this date and time (Indonesian), or None."""
    now_local = now_local or datetime.now(office.tz)
    if day < now_local.date():
        return "Tanggal sudah lewat."
    if day > now_local.date() + timedelta(days=BOOKING_DAYS_AHEAD):
        return "Pemesanan paling lama 60 hari ke depan."
    slots = day_slots(office, day)
    if not slots:
        return "Kantor tidak melayani janji temu pada tanggal itu."
    if time not in slots:
        return "Jam itu di luar jam layanan."
    if day == now_local.date() and time <= now_local.strftime("%H:%M"):
        return "Jam itu sudah lewat."
    return None
