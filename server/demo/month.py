"""The generated month: weekdays, arrival times, each day's visits, survey history, today's guests."""
from __future__ import annotations

import calendar
import random
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..extensions import db
from ..models import StaffUser
from .common import DemoError
from .offices import Ctx
from .visits import Plan, attach_survey, plan_survey, plan_visit, waiting_for


def previous_month(day: date) -> tuple[date, date]:
    """Return the first and last day of the calendar month before `day`."""
    last = day.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def parse_month(month: str) -> tuple[date, date]:
    """Return the first and last day of a "YYYY-MM" month; raise DemoError if it is not one."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", str(month or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise DemoError(f"month must be YYYY-MM (e.g. 2026-10), not {month!r}")
    first = date(int(match.group(1)), int(match.group(2)), 1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _month_back(day: date, months: int) -> date:
    year, month = day.year, day.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def _weekdays(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _local(day: date, minute: float, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz) + timedelta(minutes=minute)


def arrival_minute(rng: random.Random, friday: bool) -> int:
    """Return minutes after midnight (local) when a guest arrives, in office hours."""
    hours = [(7.5, 8, 3), (8, 9, 14), (9, 10, 20), (10, 11, 19), (11, 12, 11), (12, 13, 3),
             (13, 14, 13), (14, 15, 11), (15, 15.5, 4)]
    if friday:
        hours = [h if h[0] < 11 or h[0] >= 14 else (h[0], h[1], 1) for h in hours]
    start, end, _ = rng.choices(hours, weights=[h[2] for h in hours])[0]
    return int(rng.uniform(start * 60, end * 60))


def month_plans(rng: random.Random, ctx: Ctx, first: date, last: date, total: int | None = None) -> list[Plan]:
    """Plan the visits of the weekdays from `first` to `last` (about per_day each, or `total`)."""
    days = _weekdays(first, last)
    if not days:
        return []
    if total is None:
        counts = [max(1, round(ctx.profile["per_day"] * (1.25 if d.weekday() == 0 else 0.8 if d.weekday() == 4 else 1.0)
                               * rng.uniform(0.7, 1.3))) for d in days]
    else:
        counts = [total // len(days) + (1 if i < total % len(days) else 0) for i in range(len(days))]
    plans = []
    for day, count in zip(days, counts, strict=True):
        for _ in range(count):
            start = _local(day, arrival_minute(rng, day.weekday() == 4), ctx.office.tz)
            plan = plan_visit(rng, ctx, start)
            attach_survey(rng, ctx, plan)
            plans.append(plan)
    return plans


def survey_history(rng: random.Random, ctx: Ctx, today: date, months: int = 5) -> list[dict]:
    """Return SKM responses (without visits) for the `months` months before last month."""
    out = []
    for back in range(2, months + 2):
        first = _month_back(today, back)
        last = _month_back(today, back - 1) - timedelta(days=1)
        days = _weekdays(first, last)
        for _ in range(int(len(days) * ctx.profile["per_day"] * 0.6 * rng.uniform(0.8, 1.15))):
            when = _local(rng.choice(days), arrival_minute(rng, False) + rng.uniform(20, 90), ctx.office.tz)
            service, host_index, _ = rng.choice(ctx.services)
            source = rng.choices(["kiosk", "phone", "paper"], weights=[70, 20, 10])[0]
            out.append(plan_survey(rng, ctx, when, None, back - 1, service.id, ctx.hosts[host_index].id, source))
    return out


def on_site_plans(rng: random.Random, ctx: Ctx, now: datetime) -> list[Plan]:
    """Plan a handful of today's visits still on site at `now`, for the host inbox and the lobby."""
    with_account = set(db.session.scalars(select(StaffUser.host_id).where(
        StaffUser.office_id == ctx.office.id, StaffUser.host_id.is_not(None))))
    targets = [h for h in ctx.hosts if h.id in with_account and h.available]
    plans = []
    cutoff = now - timedelta(minutes=1)
    # Within the last two and a half hours, but today (the on-site list is per local day).
    midnight = datetime.combine(now.astimezone(ctx.office.tz).date(), time(0), ctx.office.tz)
    span = max(0.0, min(150.0, (cutoff - midnight).total_seconds() / 60))
    for n in range(rng.randint(4, 6)):
        start = cutoff - timedelta(minutes=rng.uniform(min(20.0, span), span))
        if n < 2 and targets:
            # A host with an account has guests waiting for an answer in the host inbox.
            plan = waiting_for(rng, ctx, start, targets[n % len(targets)])
        else:
            plan = plan_visit(rng, ctx, start, on_site_until=cutoff)
        plan.events = [e for e in plan.events if e["at"] < cutoff]
        if any(e["kind"] == "registration" for e in plan.events):
            plans.append(plan)
    return plans
