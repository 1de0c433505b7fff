"""Each office's days summed up once for the dashboard: `dashboard_day` rows.

A month of a province is tens of thousands of visits; reading their rows on every view after a
change costs seconds. A day of an office other than today (in its zone) rarely changes, so its
figures are kept in one row: the visits registered that day, the SOP tiers they followed (in
order of first appearance, with the signature of the steps they were measured on), every
visit's step minutes per step in registration order (`figures`), and the visit analytics'
counts (`counts`). A page reads those rows and only today's visits. Figures from the rows are
exactly those from the visits: the samples are the same numbers in the same order.

A row is made when a page first needs it. The derivation of a visit (step_store.add_step_minutes)
deletes the rows of the days the visit was and is registered on, so a late push or a
server-made event on an old visit brings its day back from the visits on the next view; a row
measured on other steps than the office's template has now is made again as well.

A page making rows and a push forgetting them take turns (`_hold`): a push that lands while a
page reads a day's visits waits until the page has kept the day's row and then forgets it, so a
row made from the visits before the push never outlives it.
"""
import base64
import json
import sys
from array import array
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from ..extensions import db
from . import step_store
from .analytics import COLUMNS, count_visits, empty_counts, merge_counts


def _day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tzinfo=tz).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz).astimezone(timezone.utc)
    return start, end


def live_day(tz: ZoneInfo, now: datetime | None = None) -> date:
    """Return the day (today in the zone) whose visits are read live, never kept: every push
    changes it."""
    return (now or datetime.now(timezone.utc)).astimezone(tz).date()


def empty_day() -> dict:
    """Return the figures of a day without visits."""
    return {"visits": 0, "tiers": [], "steps": {}, "counts": empty_counts()}


def split(day: dict) -> dict:
    """Return a day's figures as the columns of its kept row: `figures` (visits, tiers, step
    minutes packed) and `counts` (the analytics' counts), read apart by the pages that need them."""
    return {"figures": {"visits": day["visits"], "tiers": day["tiers"],
                        "steps": {k: pack(v) for k, v in day["steps"].items()}},
            "counts": day["counts"]}


def pack(minutes: list[float]) -> str:
    """Return minutes as base64 of little-endian doubles: exact, and a semester of a province
    (a million samples) is read in milliseconds instead of parsed number by number."""
    values = array("d", minutes)
    if sys.byteorder == "big":
        values.byteswap()
    return base64.b64encode(values.tobytes()).decode("ascii")


def unpack(packed: str) -> list[float]:
    """Return the minutes `pack` packed."""
    values = array("d")
    values.frombytes(base64.b64decode(packed))
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()


def summarize(visits, template_key: str, tz: ZoneInfo, counts: bool = True) -> dict[date, dict]:
    """Return {local day: figures} for one office's visits (rows of visit_query, in registration
    order): {"visits": n, "tiers": [[tier, signature]...], "steps": {key: [minutes]},
    "counts": the visit analytics' counts (analytics.count_visits)}."""
    days: dict[date, dict] = {}
    for v in visits:
        day = v.registered_at.astimezone(tz).date()
        figures = days.get(day)
        if figures is None:
            figures = days[day] = dict(empty_day(), _seen=set())
        figures["visits"] += 1
        if counts:
            count_visits([v], {v.office_id: tz}, figures["counts"])
        tier = v.tier or ""
        if tier not in figures["_seen"]:
            figures["_seen"].add(tier)
            figures["tiers"].append([tier, step_store.steps_and_signature(template_key, tier)[1]])
        for key, minutes in ((v.step_minutes or {}).get("minutes") or {}).items():
            figures["steps"].setdefault(key, []).append(minutes)
    for figures in days.values():
        del figures["_seen"]
    return days


def visit_query(office_id: int, start: datetime, end: datetime, counts: bool = True):
    """Return the query of what the kept figures are made of: an office's visits registered from
    `start` to `end`, in registration order (without `counts`, only what the step figures need)."""
    from ..models import Visit

    analytics = COLUMNS if counts else (Visit.office_id, Visit.registered_at)
    return (select(*analytics, Visit.id, Visit.tier, Visit.consent_at, Visit.event_count, Visit.step_minutes)
            .where(Visit.office_id == office_id, Visit.registered_at >= start, Visit.registered_at < end)
            .order_by(Visit.registered_at, Visit.id))


def _visits_between(office, start: datetime, end: datetime, limit: int | None = None, counts: bool = True):
    query = visit_query(office.id, start, end, counts)
    if limit is not None:
        query = query.limit(limit)
    visits = db.session.execute(query).all()
    stale = [v for v in visits if not v.step_minutes or v.step_minutes.get("sop")
             != step_store.steps_and_signature(office.sop_template, v.tier)[1]]
    if not stale:
        return visits
    measured = step_store.measure_visits(office, stale)
    return [SimpleNamespace(**dict(v._mapping, step_minutes=measured[v.id])) if v.id in measured else v
            for v in visits]


def _current(office, tiers) -> bool:
    """Return True when the day's minutes were measured on the steps the office follows now."""
    if isinstance(tiers, str):  # a JSON path read as text on some engines
        tiers = json.loads(tiers)
    return all(signature == step_store.steps_and_signature(office.sop_template, tier)[1]
               for tier, signature in tiers or [])


def office_days(office, first: date, end: date, now: datetime | None = None,
                part: str = "figures") -> list[tuple[date, dict]]:
    """Return [(day, figures or counts)] for the office's days from `first` up to `end`
    (exclusive) that had visits, in order: kept rows for every day but today (made and kept when
    missing or measured on other steps), today's visits themselves."""
    from ..models.visit import DashboardDay

    tz = ZoneInfo(office.timezone)
    today = live_day(tz, now)
    kept = {}
    columns = [DashboardDay.day, getattr(DashboardDay, part)]
    if part == "counts":
        columns.append(DashboardDay.figures["tiers"].label("tiers"))
    for row in db.session.execute(select(*columns).where(
            DashboardDay.office_id == office.id, DashboardDay.day >= first, DashboardDay.day < end,
            DashboardDay.day != today)):
        tiers = row.tiers if part == "counts" else row.figures["tiers"]
        if _current(office, tiers):
            kept[row.day] = row[1]
    missing = [d for d in _days(first, end) if d not in kept and d != today]
    for start, stop in _runs(missing):
        keep = _hold(office.id, start, stop)
        made = summarize(_visits_between(office, _day_bounds(start, tz)[0], _day_bounds(stop, tz)[0]),
                         office.sop_template, tz)
        # Days to come are kept only once they have visits: an empty row made ahead would hide them.
        rows = {d: split(made.get(d) or empty_day()) for d in _days(start, stop) if d < today or d in made}
        if keep:
            _keep(office.id, rows)
        kept.update((d, r[part]) for d, r in rows.items())
    out = kept
    if first <= today < end:
        counts = part == "counts"
        made = summarize(_visits_between(office, *_day_bounds(today, tz), counts=counts), office.sop_template, tz,
                         counts=counts)
        out.update((d, split(f)[part]) for d, f in made.items())
    visits = (lambda f: f["visits"]) if part == "figures" else (lambda c: c["total"])
    return [(d, out[d]) for d in sorted(out) if visits(out[d])]


def first_visits(office, day: date, n: int) -> dict:
    """Return the figures of the first `n` visits registered on `day` (the visit limit's cut)."""
    tz = ZoneInfo(office.timezone)
    start, end = _day_bounds(day, tz)
    made = summarize(_visits_between(office, start, end, limit=n, counts=False), office.sop_template, tz,
                     counts=False).get(day)
    return split(made or empty_day())["figures"]


def kept_rows(made: dict[date, dict], today: date) -> dict[date, dict]:
    """Return the rows to keep for summed-up days: every day from the first to the last with
    visits (days without visits too), except today."""
    if not made:
        return {}
    return {d: split(made.get(d) or empty_day()) for d in _days(min(made), max(made) + timedelta(days=1))
            if d != today}


def _days(first: date, end: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((end - first).days)]


def _runs(days: list[date]):
    """Yield (first, end) of each run of consecutive days."""
    start = prev = None
    for day in days:
        if start is None:
            start = prev = day
        elif day == prev + timedelta(days=1):
            prev = day
        else:
            yield start, prev + timedelta(days=1)
            start = prev = day
    if start is not None:
        yield start, prev + timedelta(days=1)


# pg_advisory_xact_lock's first key: the office's kept days (the second key is the office id)
DAYS_LOCK = 0x5D41


def _hold(office_id: int, first: date, end: date) -> bool:
    """Take the office's days for making their rows, until `_keep` commits: a push forgetting
    rows waits meanwhile (`forget_days`), so what is read now is what is kept. PostgreSQL: an
    exclusive transaction lock per office (pushes take it shared); SQLite: the write lock, taken
    by deleting the days' old rows first (one writer at a time). Return False when the database
    is busy: the rows are then made for this view only."""
    from ..models.visit import DashboardDay

    try:
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text("SELECT pg_advisory_xact_lock(:kind, :office)"),
                               {"kind": DAYS_LOCK, "office": office_id})
        else:
            db.session.execute(DashboardDay.__table__.delete().where(
                DashboardDay.office_id == office_id, DashboardDay.day >= first, DashboardDay.day < end))
        return True
    except OperationalError:
        db.session.rollback()
        return False


def _keep(office_id: int, rows: dict[date, dict]) -> None:
    """Store the made rows (replacing rows measured on other steps); a busy database only
    means they are made again on a later view."""
    from ..models.visit import DashboardDay

    if not rows:
        db.session.commit()  # let go of the days (`_hold`)
        return
    table = DashboardDay.__table__
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    stmt = insert.on_conflict_do_update(index_elements=[table.c.office_id, table.c.day],
                                        set_={"figures": insert.excluded.figures, "counts": insert.excluded.counts})
    try:
        db.session.execute(stmt, [{"office_id": office_id, "day": d, **parts} for d, parts in rows.items()])
        db.session.commit()
    except OperationalError:
        db.session.rollback()


def forget_days(office_id: int, tz_name: str, times) -> None:
    """Delete the kept rows of the days that these registration times fall on."""
    from ..models.visit import DashboardDay

    # Today's row too: one made ahead (a period's days not yet come, kept empty) must not stay.
    tz = ZoneInfo(tz_name)
    days = sorted({t.astimezone(tz).date() for t in times if t is not None})
    if days:
        if db.session.get_bind().dialect.name == "postgresql":  # after a page keeping them (`_hold`)
            db.session.execute(text("SELECT pg_advisory_xact_lock_shared(:kind, :office)"),
                               {"kind": DAYS_LOCK, "office": office_id})
        db.session.execute(DashboardDay.__table__.delete().where(
            DashboardDay.office_id == office_id, DashboardDay.day.in_(days)))


def keep_all(now: datetime | None = None) -> int:
    """Make the kept rows of every office's closed days (after visits were written without the
    push path, e.g. bench/province.py's copies); return how many rows."""
    from ..models import Office
    from ..models.visit import DashboardDay

    made = 0
    for office in db.session.scalars(select(Office).order_by(Office.id)).all():
        tz = ZoneInfo(office.timezone)
        db.session.execute(DashboardDay.__table__.delete().where(DashboardDay.office_id == office.id))
        rows = kept_rows(summarize(_visits_between(office, datetime(1970, 1, 1, tzinfo=timezone.utc),
                                                   datetime(9999, 1, 1, tzinfo=timezone.utc)),
                                   office.sop_template, tz), live_day(tz, now))
        _keep(office.id, rows)
        made += len(rows)
    return made


def step_samples(office, period, limit_visits: int, now: datetime | None = None):
    """Return (tiers in order of first appearance, {step key: [minutes]}) of the first
    `limit_visits` visits registered in the period, in registration order."""
    tiers, samples = [], defaultdict(list)
    counted = 0
    for day, figures in office_days(office, period.first_day, period.end_day, now):
        if counted + figures["visits"] > limit_visits:
            figures = first_visits(office, day, limit_visits - counted)
        counted += figures["visits"]
        for tier, _ in figures["tiers"]:
            if tier not in tiers:
                tiers.append(tier)
        for key, packed in figures["steps"].items():
            samples[key].extend(unpack(packed))
        if counted >= limit_visits:
            break
    return tiers, samples


def office_visit_counts(office, period, counts: dict) -> dict:
    """Add the visit analytics' counts of the office's visits registered in the period (the
    office's own sum remembered while its visits are unchanged)."""
    from .data import office_version, remembered

    def make():
        own = empty_counts()
        for _, part in office_days(office, period.first_day, period.end_day, part="counts"):
            merge_counts(own, part)
        return own

    return merge_counts(counts, remembered(("visit_counts", office.id, period.code), make, office_version(office)))
