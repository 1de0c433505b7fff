"""Appointment figures for the dashboard: bookings, approvals and time to approve, no-shows and
lead time, per office and per service or host, for appointments dated in a period."""

from collections import defaultdict
from statistics import mean

from sqlalchemy import select

from ..extensions import db
from ..models import Appointment

APPROVED = ("approved", "rescheduled", "checked_in", "no_show")


def appointment_stats(offices, period) -> list[dict]:
    """Return one row per office and target: {office, target, bookings, invitations, approved,
    declined, cancelled, arrived, no_shows, approve_hours (mean, None without decisions),
    lead_days (mean days from booking to the appointment)}; offices with none are left out."""
    ids = [o.id for o in offices]
    if not ids:
        return []
    by_id = {o.id: o for o in offices}
    rows = db.session.scalars(
        select(Appointment).where(
            Appointment.office_id.in_(ids),
            Appointment.date >= period.first_day,
            Appointment.date < period.end_day,
        )
    ).all()
    groups: dict[tuple, list] = defaultdict(list)
    for a in rows:
        target = a.host.name if a.host else (a.service.name if a.service else "")
        groups[(by_id[a.office_id].code, target)].append(a)
    out = []
    for (code, target), items in sorted(groups.items()):
        bookings = [a for a in items if a.kind == "booking"]
        decided = [
            (a.decided_at - a.created_at).total_seconds() / 3600
            for a in bookings
            if a.decided_at and a.status != "declined" and a.decided_at > a.created_at
        ]
        leads = [
            (a.date - a.created_at.astimezone(by_id[a.office_id].tz).date()).days for a in bookings
        ]
        out.append(
            {
                "office": code,
                "target": target,
                "bookings": len(bookings),
                "invitations": len(items) - len(bookings),
                "approved": sum(a.status in APPROVED for a in items),
                "declined": sum(a.status == "declined" for a in items),
                "cancelled": sum(a.status == "cancelled" for a in items),
                "arrived": sum(a.status == "checked_in" for a in items),
                "no_shows": sum(a.status == "no_show" for a in items),
                "approve_hours": round(mean(decided), 1) if decided else None,
                "lead_days": round(mean(leads), 1) if leads else None,
            }
        )
    return out
