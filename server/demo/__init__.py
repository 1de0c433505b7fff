"""Demo data: three offices modelled on the seed SOPs, their people, and a realistic month.

`load_demo(seed, today)` creates the offices KALBAR-BPBJ, KALTIM-DP2KUKM and TANJABBAR-SETDA
with hosts, services, staff and desk tablets, then walks a month of visits through each
office's SOP. `add_volume(office_code, month, visits, seed)` adds more visits to one office
(for benchmarks). Everything is generated from a seeded `random.Random`: the same seed and
the same `today` give the same visits, events and survey responses.

Visits are made the way tablets make them: as protocol events (sync/PROTOCOL.md) of a demo
device, stored through the server's own push operation (`server.api.operations.ingest_batch`),
so the Visit rows are derived by the real rules. Names, institutions and officials are
fictional; NIKs follow the real structure (province, birth date, sex) but belong to nobody.

The package, from the bottom up: `common` (demo password and PIN, DemoError, ids, times),
`offices` (the offices, hosts, services, staff, tablets and their busy-ness), `people` (guests,
NIKs, signatures), `visits` (one visit walked through its SOP, its SKM answer), `month` (the
generated month: days, arrivals, survey history, today's guests), `custody` (guest cards and
lockers, one guest at a time), `store` (queue numbers, card and locker numbers, signature
blobs, the push), `bookings` (each office's bookable service and host, and guests
booked for today and the next working day). This module holds the two operations the CLI calls.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from ..extensions import db
from ..models import Office, Visit
from .bookings import book_demo
from .common import DEMO_PASSWORD, DEMO_PIN, DemoError
from .month import month_plans, on_site_plans, parse_month, previous_month, survey_history
from .offices import PROFILES, STAFF, STATED_POPULATION, create_offices, office_context
from .people import make_nik
from .store import store_plans

MAX_VOLUME = 100_000


def load_demo(seed: int = 2026, today: date | None = None) -> str:
    """Create the three demo offices with people, tablets, a month of visits and survey history.

    `today` (default: the current date in each office's zone) decides which month is "last
    month" (walked in full) and which days of this month have gone by (walked too). Today
    has only a handful of guests still on site, registered in the hours just before now (or
    before 10:30 local when `today` is given), so the host inbox and the on-site list have
    someone in them whenever the demo is loaded. Raises DemoError, storing nothing, if any
    office exists already.
    """
    existing = db.session.scalar(select(func.count()).select_from(Office))
    if existing:
        raise DemoError(f"the database already has {existing} office(s); the demo data is loaded "
                        "only into an empty database (use --if-empty to skip quietly)")
    now_utc = datetime.now(timezone.utc)
    rng = random.Random(f"sitamu-demo:{seed}:setup")
    lines = []
    try:
        offices, kept = create_offices(rng)
        for office in offices:
            office_rng = random.Random(f"sitamu-demo:{seed}:{office.code}")
            ctx = office_context(office, office_rng)
            if today is None:
                local_today, now = now_utc.astimezone(office.tz).date(), now_utc
            else:
                local_today = today
                now = datetime.combine(today, time(10, 30), office.tz)
            first, last = previous_month(local_today)
            # The service users the office states for this semester and the one before, which
            # its public IKM page shows with the sample check (the SKM population).
            semester = f"{local_today.year}-S{1 if local_today.month <= 6 else 2}"
            previous = f"{local_today.year - 1}-S2" if local_today.month <= 6 else f"{local_today.year}-S1"
            office.population = {semester: STATED_POPULATION[office.code],
                                 previous: STATED_POPULATION[office.code]}
            plans = month_plans(office_rng, ctx, first, last)
            # This month so far (until yesterday), so "this month" pages are not empty either.
            plans += month_plans(office_rng, ctx, local_today.replace(day=1), local_today - timedelta(days=1))
            plans += on_site_plans(office_rng, ctx, now)
            history = survey_history(office_rng, ctx, local_today)
            result = store_plans(office_rng, ctx, plans, history)
            bookings = book_demo(random.Random(f"sitamu-demo:{seed}:{office.code}:bookings"), ctx, local_today, now)
            lines.append(f"  {office.code}: {result['visits']} visits ({first:%Y-%m}, this month, today), "
                         f"{result['events']} events, {result['surveys']} survey responses, {bookings} bookings")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    users = ", ".join(u[0] for u in STAFF if u[0] not in kept)
    lines.append(f"Staff accounts (password '{DEMO_PASSWORD}', tablet PIN {DEMO_PIN}): {users}")
    if kept:
        lines.append(f"Existing accounts kept as they were (not demo accounts): {', '.join(kept)}")
    return "\n".join([f"Loaded the demo data (seed {seed}):", *lines])


def add_volume(office_code: str, month: str, visits: int, seed: int = 2026) -> str:
    """Add `visits` more visits (with events and survey responses) in `month` to one demo office.

    Raises DemoError, storing nothing, for an unknown office, a bad month or a count below 1.
    """
    first, last = parse_month(month)
    if isinstance(visits, bool) or not isinstance(visits, int) or visits < 1:
        raise DemoError(f"visits must be a whole number of at least 1, not {visits!r}")
    if visits > MAX_VOLUME:
        raise DemoError(f"visits must be at most {MAX_VOLUME}")
    office = db.session.scalar(select(Office).where(Office.code == office_code))
    if office is None:
        raise DemoError(f"no office with code {office_code!r}")
    if office.code not in PROFILES:
        raise DemoError(f"office {office_code!r} is not one of the demo offices "
                        f"({', '.join(PROFILES)})")
    before = db.session.scalar(select(func.count()).select_from(Visit).where(Visit.office_id == office.id))
    # Seeded by what is already there, so a second run adds new visits instead of repeating ids.
    rng = random.Random(f"sitamu-demo:{seed}:{office.code}:{first:%Y-%m}:{before}")
    try:
        ctx = office_context(office, rng)
        plans = month_plans(rng, ctx, first, last, total=visits)
        result = store_plans(rng, ctx, plans)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return (f"Added {result['visits']} visits to {office.code} in {first:%Y-%m}: "
            f"{result['events']} events, {result['surveys']} survey responses.")


__all__ = ["DEMO_PASSWORD", "DEMO_PIN", "STAFF", "DemoError", "add_volume", "load_demo", "make_nik",
           "parse_month", "previous_month"]
