"""Figures for the supervisor dashboard, as plain data (rendering and CSV are separate)."""
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from statistics import median

from reports.ikm import ELEMENT_KEYS, ikm_for
from reports.periods import Period

from .. import sop
from ..extensions import db
from ..models import Device, Office, Visit, VisitEvent

STALE_AFTER = timedelta(hours=24)


def _num(value, places: int = 2) -> float | None:
    return None if value is None else round(float(value), places)


def ikm_rows(offices: list[Office], period: Period) -> list[dict]:
    """Return one row per office: respondents, konversi, mutu and the nine NRR."""
    rows = []
    for office in offices:
        result = ikm_for([office.id], period.in_zone(office.timezone))
        rows.append({"office": office, "respondents": result.respondents,
                     "konversi": _num(result.konversi_rounded), "mutu": result.mutu,
                     "kinerja": result.kinerja, "kinerja_en": result.kinerja_en,
                     "convention": result.convention,
                     "nrr": {k: _num(result.elements[k].nrr3, 3) if k in result.elements else None
                             for k in ELEMENT_KEYS}})
    return rows


def ikm_trend_rows(offices: list[Office], periods: list[Period]) -> dict[str, list[float | None]]:
    """Return {office code: [konversi per period]} (None where nobody answered)."""
    return {office.code: [_num(ikm_for([office.id], p.in_zone(office.timezone)).konversi_rounded)
                          for p in periods] for office in offices}


def visit_volumes(offices: list[Office], periods: list[Period]) -> dict[str, list[int]]:
    """Return {office code: [visits registered per period]}."""
    out = {}
    for office in offices:
        counts = []
        for p in periods:
            p = p.in_zone(office.timezone)
            counts.append(db.session.scalar(db.select(db.func.count()).select_from(Visit).where(
                Visit.office_id == office.id, Visit.registered_at >= p.start,
                Visit.registered_at < p.end)) or 0)
        out[office.code] = counts
    return out


def sop_step_times(offices: list[Office], period: Period, limit_visits: int = 5000) -> list[dict]:
    """Return per office and step: visits measured, median and mean minutes, standard, % late."""
    rows = []
    for office in offices:
        try:
            template = sop.resolve_template(office)
        except sop.SopError:
            continue
        p = period.in_zone(office.timezone)
        visits = db.session.execute(db.select(Visit.id, Visit.tier).where(
            Visit.office_id == office.id, Visit.registered_at >= p.start, Visit.registered_at < p.end)
            .limit(limit_visits)).all()
        if not visits:
            continue
        events = defaultdict(list)
        for row in db.session.execute(db.select(
                VisitEvent.visit_id, VisitEvent.kind, VisitEvent.step, VisitEvent.corrected_time,
                VisitEvent.clock_offset_ms, VisitEvent.payload).where(
                VisitEvent.visit_id.in_([v.id for v in visits]))).all():
            payload = {"consent_at": row.payload.get("consent_at")} if row.kind == "registration" else {}
            events[row.visit_id].append({"kind": row.kind, "step": row.step, "payload": payload,
                                         "corrected_time": row.corrected_time,
                                         "clock_offset_ms": row.clock_offset_ms})
        times: dict[str, list[float]] = defaultdict(list)
        standards, names, order = {}, {}, []
        for visit in visits:
            try:
                steps = sop.steps_for(template, visit.tier or None)
            except sop.SopError:
                continue
            for step in steps:
                if step.get("minutes") is not None and step["key"] not in standards:
                    standards[step["key"]] = step["minutes"]
                    names[step["key"]] = step["title"]
                    order.append(step["key"])
            # One sample per visit and step: a step walked again counts its rounds' total.
            for key, minutes in sop.step_durations(steps, events.get(visit.id, [])).items():
                if key in standards:
                    times[key].append(minutes)
        for key in order:
            values = times.get(key, [])
            late = sum(1 for v in values if v > standards[key])
            rows.append({"office": office, "key": key, "title": names[key], "standard": standards[key],
                         "measured": len(values),
                         "median": round(median(values), 1) if values else None,
                         "mean": round(sum(values) / len(values), 1) if values else None,
                         "late_pct": round(100 * late / len(values), 1) if values else None})
    return rows


def freshness(offices: list[Office], now: datetime | None = None) -> list[dict]:
    """Return per office: tablets, the last sync of any, and the tablets silent for a day or more."""
    now = now or datetime.now(timezone.utc)
    rows = []
    for office in offices:
        devices = db.session.scalars(db.select(Device).where(
            Device.office_id == office.id, Device.revoked_at.is_(None)).order_by(Device.letter)).all()
        seen = [d.last_seen_at for d in devices if d.last_seen_at]
        stale = [d for d in devices if d.last_seen_at is None or now - d.last_seen_at > STALE_AFTER]
        rows.append({"office": office, "devices": len(devices), "last_sync": max(seen) if seen else None,
                     "stale": stale,
                     "missing": sum(max(d.highest_seq - d.acked_seq, 0) for d in devices),
                     "pending": sum(d.pending_reported or 0 for d in devices)})
    return rows
