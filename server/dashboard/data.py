"""Figures for the supervisor dashboard, as plain data (rendering and CSV are separate).

Every figure over many offices is one grouped query (per office and period), not a query per
office: a province has dozens of offices. Each office's periods are bounded in its own zone.
"""
import time
from bisect import bisect_right
from collections import OrderedDict, defaultdict
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from statistics import median

from flask import has_request_context, request
from sqlalchemy import func

from reports.ikm import CONVENTIONS, ELEMENT_KEYS, compute_ikm
from reports.periods import Period, period_containing

from .. import sop
from ..extensions import db
from ..models import ChangeLog, Device, Office, Service, SurveyResponse, Visit
from . import days

STALE_AFTER = timedelta(hours=24)
MAX_SERIES = 8  # lines a trend chart draws; the table beside it lists every row


CACHE_SECONDS = 600  # a figure is recomputed at least this often, whatever the versions say
_FIGURES: "OrderedDict[tuple, tuple[float, object]]" = OrderedDict()
_FIGURES_SIZE = 2048


def data_version() -> tuple:
    """Return what the dashboard's figures depend on, cheaply: the newest change-log id (every
    change of a visit, office, host or service writes one) and the number of survey responses
    (append-only)."""
    # Once per request (kept in the request's environ: tests share one app context, and `g`).
    if has_request_context() and "sitamu.data_version" in request.environ:
        return request.environ["sitamu.data_version"]
    newest = db.session.execute(db.select(ChangeLog.id, ChangeLog.created_at)
                                .order_by(ChangeLog.id.desc()).limit(1)).first()
    # The newest row's time too: ids restart when a database is emptied and filled again.
    version = (tuple(newest) if newest else (0, None),
               db.session.scalar(db.select(func.count()).select_from(SurveyResponse)) or 0)
    if has_request_context():
        request.environ["sitamu.data_version"] = version
    return version


def survey_version() -> tuple:
    """Return what the survey sums depend on: the number of answers and the newest one's arrival
    (an index seek). Once per request."""
    if has_request_context() and "sitamu.survey_version" in request.environ:
        return request.environ["sitamu.survey_version"]
    version = (data_version()[1], str(db.session.scalar(db.select(func.max(SurveyResponse.received_at)))))
    if has_request_context():
        request.environ["sitamu.survey_version"] = version
    return version


def office_version(office: Office) -> tuple:
    """Return what an office's visit figures depend on, cheaply: the office row's own change
    time and its visits' newest change (every derivation of a visit sets its updated_at; one
    seek of the (office_id, updated_at) index). Once per request and office."""
    cache = request.environ.setdefault("sitamu.office_versions", {}) if has_request_context() else {}
    if office.id not in cache:
        cache[office.id] = (str(office.updated_at), str(office.sop_template), repr(office.sop_minutes),
                            str(db.session.scalar(db.select(func.max(Visit.updated_at)).where(
                                Visit.office_id == office.id))))
    return cache[office.id]


def remembered(key: tuple, make, version: tuple | None = None):
    """Return make(), kept across requests while data_version() (or the given `version`, e.g.
    one office's) is unchanged, and at most CACHE_SECONDS: a province's closed periods do not
    change between two page views, and a push to one office leaves the others' figures be."""
    key = (*key, data_version() if version is None else version)
    now = time.monotonic()
    hit = _FIGURES.get(key)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        _FIGURES.move_to_end(key)
        return hit[1]
    value = make()
    _FIGURES[key] = (now, value)
    while len(_FIGURES) > _FIGURES_SIZE:
        _FIGURES.popitem(last=False)
    return value


def _num(value, places: int = 2) -> float | None:
    return None if value is None else round(float(value), places)


def default_period(kind: str = "month", now: datetime | None = None, tz_name: str = "Asia/Jakarta") -> Period:
    """Return the last complete period of `kind` (the month or semester before the current one)."""
    return period_containing(now or datetime.now(timezone.utc), kind, tz_name).shift(-1)


def _zones(offices: list[Office]) -> dict[str, list[int]]:
    by_zone: dict[str, list[int]] = defaultdict(list)
    for office in offices:
        by_zone[office.timezone].append(office.id)
    return by_zone


def _convention(offices: list[Office]) -> str:
    found = {o.ikm_convention for o in offices}
    return found.pop() if len(found) == 1 and found <= set(CONVENTIONS) else "exact"


def survey_sums(offices: list[Office], periods: list[Period], by: str = "office",
                service_id: int | None = None, host_id: int | None = None) -> dict[tuple, tuple]:
    """Return {(office id | service id, period index): (respondents, totals, counts)}: one query
    per request for both groupings (the page's tables and charts share it)."""
    key = ("survey_sums", tuple(o.id for o in offices), tuple((p.code, p.tz_name) for p in periods),
           service_id, host_id)
    # Answers are only ever added (retention clears a response's link and saran, never its
    # scores): their number and the newest are all the sums depend on, not a push of visits.
    version = survey_version()
    base = remembered(key, lambda: _survey_sums(offices, periods, service_id, host_id), version)
    return remembered((*key, by), lambda: _regroup(base, 0 if by == "office" else 1), version)


def _regroup(base: dict[tuple, tuple], position: int) -> dict[tuple, tuple]:
    parts: dict[tuple, list] = defaultdict(list)
    for key, value in base.items():
        parts[(key[position], key[2])].append(value)
    return {key: _combine(values) for key, values in parts.items()}


def _survey_sums(offices, periods, service_id, host_id) -> dict[tuple, tuple]:
    """Return {(office id, service id, period index): (respondents, totals, counts)}: one grouped
    query per zone and period, each a range of the (office_id, submitted_at) index."""
    columns = [SurveyResponse.office_id, SurveyResponse.service_id, func.count(SurveyResponse.id)]
    for key in ELEMENT_KEYS:
        col = getattr(SurveyResponse, key)
        columns += [func.coalesce(func.sum(col), 0), func.count(col)]
    out = {}
    for tz, ids in sorted(_zones(offices).items()):
        for index, period in enumerate(periods):
            p = period.in_zone(tz)
            query = db.select(*columns).where(SurveyResponse.office_id.in_(ids), SurveyResponse.submitted_at >= p.start,
                                              SurveyResponse.submitted_at < p.end)
            if service_id is not None:
                query = query.where(SurveyResponse.service_id == service_id)
            if host_id is not None:
                query = query.where(SurveyResponse.host_id == host_id)
            for row in db.session.execute(query.group_by(SurveyResponse.office_id, SurveyResponse.service_id)):
                totals = {k: int(row[3 + 2 * i]) for i, k in enumerate(ELEMENT_KEYS)}
                counts = {k: int(row[4 + 2 * i]) for i, k in enumerate(ELEMENT_KEYS)}
                out[(row[0], row[1], index)] = (int(row[2]), totals, counts)
    return out


def _combine(parts) -> tuple[int, dict, dict]:
    respondents, totals, counts = 0, dict.fromkeys(ELEMENT_KEYS, 0), dict.fromkeys(ELEMENT_KEYS, 0)
    for r, t, c in parts:
        respondents += r
        for k in ELEMENT_KEYS:
            totals[k] += t[k]
            counts[k] += c[k]
    return respondents, totals, counts


def _result(sums, convention: str):
    respondents, totals, counts = sums
    return _ikm(tuple(totals[k] for k in ELEMENT_KEYS), tuple(counts[k] for k in ELEMENT_KEYS), respondents,
                convention)


@lru_cache(maxsize=50_000)
def _ikm(totals: tuple, counts: tuple, respondents: int, convention: str):
    """compute_ikm, remembered: a closed period's sums come back on every page view, and the
    exact arithmetic is the page's largest cost over dozens of offices and periods."""
    return compute_ikm(totals, counts, respondents, convention)


def ikm_rows(offices: list[Office], period: Period) -> list[dict]:
    """Return one row per office: respondents, konversi, mutu and the nine NRR."""
    sums = survey_sums(offices, [period])
    rows = []
    for office in offices:
        result = _result(sums.get((office.id, 0), _combine([])), office.ikm_convention)
        rows.append(_ikm_row(result, office=office))
    return rows


def _ikm_row(result, **extra) -> dict:
    return {**extra, "respondents": result.respondents, "konversi": _num(result.konversi_rounded),
            "mutu": result.mutu, "kinerja": result.kinerja, "kinerja_en": result.kinerja_en,
            "convention": result.convention,
            "nrr": {k: _num(result.elements[k].nrr3, 3) if k in result.elements else None
                    for k in ELEMENT_KEYS}}


def ikm_total(offices: list[Office], period: Period) -> dict:
    """Return the IKM of all the offices together for the period (their responses pooled)."""
    sums = survey_sums(offices, [period])
    return _ikm_row(_result(_combine(v for (_, i), v in sums.items() if i == 0), _convention(offices)))


def ikm_trend_rows(offices: list[Office], periods: list[Period]) -> dict[str, list[float | None]]:
    """Return {office code: [konversi per period]} (None where nobody answered)."""
    sums = survey_sums(offices, periods)
    return {office.code: [_num(_result(sums[(office.id, i)], office.ikm_convention).konversi_rounded)
                          if (office.id, i) in sums else None for i in range(len(periods))]
            for office in offices}


def pooled_trend(offices: list[Office], periods: list[Period]) -> list[float | None]:
    """Return the konversi of all the offices' responses pooled, per period."""
    sums = survey_sums(offices, periods)
    convention = _convention(offices)
    out = []
    for i in range(len(periods)):
        parts = [v for (_, j), v in sums.items() if j == i]
        out.append(_num(_result(_combine(parts), convention).konversi_rounded) if parts else None)
    return out


def element_trend(offices: list[Office], periods: list[Period], service_id: int | None = None,
                  host_id: int | None = None) -> dict[str, list[float | None]]:
    """Return {element key: [NRR x 25 per period]} over the offices' pooled responses."""
    sums = survey_sums(offices, periods, service_id=service_id, host_id=host_id)
    out: dict[str, list[float | None]] = {k: [] for k in ELEMENT_KEYS}
    for i in range(len(periods)):
        respondents, totals, counts = _combine(v for (_, j), v in sums.items() if j == i)
        for k in ELEMENT_KEYS:
            out[k].append(round(25 * totals[k] / counts[k], 2) if counts[k] else None)
    return out


def service_trend(offices: list[Office], periods: list[Period], limit: int = MAX_SERIES) -> list[dict]:
    """Return the services most answered for in the last period, each with its konversi per period:
    [{"service": name, "office": code, "respondents": n, "values": [...]}]."""
    sums = survey_sums(offices, periods, by="service")
    ids = {sid for sid, _ in sums if sid is not None}
    if not ids:
        return []
    services = {s.id: s for s in db.session.scalars(db.select(Service).where(Service.id.in_(ids)))}
    by_office = {o.id: o for o in offices}
    last = len(periods) - 1
    ranked = sorted(ids, key=lambda sid: (-(sums.get((sid, last), (0,))[0]), services[sid].name))
    rows = []
    for sid in ranked[:limit]:
        service = services[sid]
        office = by_office.get(service.office_id)
        convention = office.ikm_convention if office else "exact"
        rows.append({"service": service.name, "office": office.code if office else "",
                     "respondents": sums.get((sid, last), (0,))[0],
                     "values": [_num(_result(sums[(sid, i)], convention).konversi_rounded)
                                if (sid, i) in sums else None for i in range(len(periods))]})
    return rows


def visit_volumes(offices: list[Office], periods: list[Period]) -> dict[str, list[int]]:
    """Return {office code: [visits registered per period]}: one count per zone and period,
    each a range of the (office, registered_at) index."""
    return remembered(("volumes", tuple(o.id for o in offices), tuple(p.code for p in periods)),
                      lambda: _visit_volumes(offices, periods))


def _visit_volumes(offices: list[Office], periods: list[Period]) -> dict[str, list[int]]:
    counts: dict[tuple, int] = {}
    for tz, ids in _zones(offices).items():
        for index, p in enumerate(periods):
            p = p.in_zone(tz)
            for office_id, n in db.session.execute(
                    db.select(Visit.office_id, func.count()).where(
                        Visit.office_id.in_(ids), Visit.registered_at >= p.start, Visit.registered_at < p.end)
                    .group_by(Visit.office_id)):
                counts[(office_id, index)] = n
    return {o.code: [counts.get((o.id, i), 0) for i in range(len(periods))] for o in offices}


def sop_step_times(offices: list[Office], period: Period, limit_visits: int = 5000) -> list[dict]:
    """Return per office and step: visits measured, median and mean minutes, the standard, whether
    the step is late (its median above the standard, as the register judges) and the share of
    visits above the standard."""
    rows = []
    for office in offices:
        cached = remembered(("steps", office.id, period.code, limit_visits),
                            lambda office=office: _office_step_times(office, period, limit_visits),
                            office_version(office))
        rows.extend(dict(r, office=office) for r in cached)
    return rows


_TEMPLATES: dict[tuple, tuple] = {}


def _resolved(office: Office):
    """Return (the office's resolved template, {tier: its steps or None}), shared by the offices
    of one template and minutes (read only)."""
    key = (office.sop_template, repr(office.sop_minutes))
    found = _TEMPLATES.get(key)
    if found is None:
        found = _TEMPLATES[key] = (sop.resolve_template(office), {})
    return found


def _office_step_times(office: Office, period: Period, limit_visits: int) -> list[dict]:
    try:
        template, tier_steps = _resolved(office)
    except sop.SopError:
        return []
    # Each visit's minutes were stored when it was derived (step_store), and closed days are
    # kept summed up (days.py): no events are read, and only recent visits.
    tier_order, samples = days.step_samples(office, period, limit_visits)
    times: dict[str, list[float]] = defaultdict(list)
    standards, names, order = {}, {}, []
    for tier in tier_order:
        if tier not in tier_steps:
            try:
                tier_steps[tier] = sop.steps_for(template, tier or None)
            except sop.SopError:
                tier_steps[tier] = None
        steps = tier_steps[tier]
        if steps is None:
            continue
        for step in steps:
            if step.get("minutes") is not None and step["key"] not in standards:
                standards[step["key"]] = step["minutes"]
                names[step["key"]] = step["title"]
                order.append(step["key"])
    for key, values in samples.items():
        if key in standards:
            times[key] = values
    rows = []
    for key in order:
        values = times.get(key, [])
        mean = _round1(sum(values) / len(values)) if values else None  # summed in registration order
        values = sorted(values)  # once: the medians here and pooled_steps' merge of sorted runs
        over = len(values) - bisect_right(values, standards[key])
        exact = median(values) if values else None
        mid = _round1(exact) if values else None
        rows.append({"key": key, "title": names[key], "standard": standards[key], "measured": len(values),
                     "median": mid, "mean": mean, "late": mid is not None and exact > standards[key],
                     "over_pct": round(100 * over / len(values), 1) if values else None,
                     "samples": values})
    return rows


def _round1(value: float) -> float:
    """Round minutes once, half-up to 0.1, as the register does (4.05 -> 4.1)."""
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def step_title(title, lang: str) -> str:
    """Return a step's title in the page language (SOP titles are {"id", "en"} or plain text)."""
    if isinstance(title, dict):
        return title.get(lang) or title.get("id") or next(iter(title.values()), "")
    return str(title)


def pooled_steps(steps: list[dict], lang: str) -> list[dict]:
    """Return the step rows of several offices pooled by step and standard: median over every
    visit measured, for the chart (the table keeps one row per office)."""
    pooled: "OrderedDict[tuple, dict]" = OrderedDict()
    for row in steps:
        entry = pooled.setdefault((row["key"], row["standard"]), {
            "title": step_title(row["title"], lang), "standard": row["standard"], "samples": [], "offices": 0})
        entry["samples"].extend(row["samples"])
        entry["offices"] += 1
    out = []
    for entry in pooled.values():
        values = entry.pop("samples")
        entry["median"] = _round1(median(values)) if values else None
        entry["late"] = bool(values) and median(values) > entry["standard"]
        out.append(entry)
    return out


def freshness(offices: list[Office], now: datetime | None = None) -> list[dict]:
    """Return per office: tablets, the last sync of any, and the tablets silent for a day or more."""
    now = now or datetime.now(timezone.utc)
    by_office: dict[int, list[Device]] = defaultdict(list)
    for device in db.session.scalars(db.select(Device).where(
            Device.office_id.in_([o.id for o in offices]), Device.revoked_at.is_(None)).order_by(Device.letter)):
        by_office[device.office_id].append(device)
    rows = []
    for office in offices:
        devices = by_office.get(office.id, [])
        seen = [d.last_seen_at for d in devices if d.last_seen_at]
        stale = [d for d in devices if d.last_seen_at is None or now - d.last_seen_at > STALE_AFTER]
        rows.append({"office": office, "devices": len(devices), "last_sync": max(seen) if seen else None,
                     "stale": stale,
                     "missing": sum(max(d.highest_seq - d.acked_seq, 0) for d in devices),
                     "pending": sum(d.pending_reported or 0 for d in devices)})
    return rows
