"""Visit analytics for supervisors and admins, as plain data: when guests come, how long they
wait and stay, how hosts answer, who is turned away and why, who comes back, what for.

One query reads the period's visits (only the columns and derived-state keys needed, never
names or identity numbers); everything else is counted in Python per office zone.
"""
from bisect import bisect_left
from collections import Counter
from datetime import datetime
from statistics import median

from sqlalchemy import func

from reports.outcome import visit_lifecycle
from reports.periods import day_names

from ..extensions import db
from ..models import Host, Office, Service, Visit

# Minutes buckets for durations: (upper bound exclusive, label).
DURATION_BUCKETS = ((15, "< 15"), (30, "15–29"), (60, "30–59"), (120, "60–119"), (None, "≥ 120"))
TOP = 10
# Outcomes a visit ends with (Visit.state["outcome"]; older rows: derived from the stage).
OUTCOMES = ("checked_out", "turned_away", "refused", "cancelled", "on_site")
OUTCOME_LABELS = {"checked_out": ("Selesai dan keluar", "Checked out"),
                  "turned_away": ("Tidak dapat diterima", "Turned away"),
                  "refused": ("Ditolak pemeriksaan", "Refused at screening"),
                  "cancelled": ("Dibatalkan", "Cancelled"),
                  "on_site": ("Masih di lokasi / belum selesai", "On site / not finished")}


def _parse(value) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _minutes(start, end) -> float | None:
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds() / 60


def _stats(values: list[float]) -> dict:
    """Return count, median, 90th percentile and the bucket counts of minutes."""
    values = sorted(values)
    buckets = []
    for upper, label in DURATION_BUCKETS:
        low = buckets[-1][2] if buckets else 0
        # Counted on the sorted minutes by bisection: a province's month is 100,000 of them.
        n = (len(values) if upper is None else bisect_left(values, upper)) - bisect_left(values, low)
        buckets.append((label, n, upper))
    return {"count": len(values), "median": round(median(values), 1) if values else None,
            "p90": round(values[min(len(values) - 1, int(0.9 * len(values)))], 1) if values else None,
            "buckets": [(label, n) for label, n, _ in buckets]}


class _Row:
    """A selected row as reports.outcome.visit_lifecycle reads it (the derived state's keys
    selected one by one, so no visit's whole state is parsed in Python)."""

    def __init__(self, row):
        self.stage, self.screening = row.stage, row.screening
        self.unavailable_reason, self.cancel_reason = row.unavailable_reason, row.cancel_reason
        self.consent_at, self.registered_at, self.checked_out_at = None, row.registered_at, row.checked_out_at
        # Visits derived with the lifecycle always carry arrived_at; older ones have no outcome key.
        self.state = {"outcome": row.outcome, "outcome_reason": row.outcome_reason,
                      "arrived_at": row.arrived, "by_appointment": row.by_appointment in ("true", "1")} \
            if row.arrived is not None else {}


def _outcome(row) -> tuple[str, str, bool]:
    """Return (outcome or "on_site", reason, by appointment) as the register reads them."""
    life = visit_lifecycle(_Row(row))
    outcome = life.outcome if life.outcome in OUTCOMES else ("on_site" if life.outcome is None else "checked_out")
    return outcome, life.reason, life.by_appointment


def _top(counter: Counter, spelling: dict, limit: int = TOP) -> list[tuple[str, int]]:
    return [(spelling[key], n) for key, n in counter.most_common(limit)]


def _period_clause(offices: list[Office], period):
    clauses = []
    for office in offices:
        p = period.in_zone(office.timezone)
        clauses.append(db.and_(Visit.office_id == office.id, Visit.registered_at >= p.start,
                               Visit.registered_at < p.end))
    return db.or_(*clauses) if clauses else Visit.office_id.in_([])


def visit_analytics(offices: list[Office], period, service_id: int | None = None,
                    host_id: int | None = None, lang: str = "id") -> dict:
    """Return the period's visit figures for the offices (optionally one service or host)."""
    from .data import remembered

    return remembered(("visits", tuple(o.id for o in offices), period.code, service_id, host_id, lang),
                      lambda: _visit_analytics(offices, period, service_id, host_id, lang))


COLUMNS = (Visit.office_id, Visit.registered_at, Visit.admitted_at, Visit.checked_out_at, Visit.stage,
           Visit.screening, Visit.host_id, Visit.service_id, Visit.institution, Visit.purpose,
           Visit.nik_hash, Visit.unavailable_reason, Visit.cancel_reason,
           Visit.state["host_notified_at"].as_string().label("notified"),
           Visit.state["host_received_at"].as_string().label("received"),
           Visit.state["outcome"].as_string().label("outcome"),
           Visit.state["outcome_reason"].as_string().label("outcome_reason"),
           Visit.state["arrived_at"].as_string().label("arrived"),
           Visit.state["by_appointment"].as_string().label("by_appointment"))


def empty_counts() -> dict:
    """Return the counts of no visits (what count_visits fills and merge_counts adds up)."""
    return {"total": 0, "appointments": 0, "heat": {}, "stay": [], "wait": [], "answer": [],
            "outcomes": {}, "reasons": {kind: {} for kind in ("turned_away", "cancelled", "refused")},
            "reason_spelling": {}, "institutions": {}, "purposes": {}, "spelling": {},
            "hosts": {}, "services": {}, "per_guest": {}}


def count_visits(rows, zones: dict, counts: dict | None = None) -> dict:
    """Add visits (rows of COLUMNS) to `counts` (JSON-ready: kept in dashboard_day rows)."""
    counts = counts if counts is not None else empty_counts()
    heat = counts["heat"]
    for row in rows:
        counts["total"] += 1
        local = row.registered_at.astimezone(zones[row.office_id])
        cell = f"{local.weekday()},{local.hour}"
        heat[cell] = heat.get(cell, 0) + 1
        minutes = _minutes(row.registered_at, row.checked_out_at)
        if minutes is not None:
            counts["stay"].append(minutes)
        minutes = _minutes(row.registered_at, row.admitted_at)
        if minutes is not None:
            counts["wait"].append(minutes)
        # The host's answer: received in the inbox, or else the guest let in to see them.
        minutes = _minutes(_parse(row.notified), _parse(row.received) or row.admitted_at)
        if minutes is not None:
            counts["answer"].append(minutes)
        outcome, reason, by_appointment = _outcome(row)
        counts["outcomes"][outcome] = counts["outcomes"].get(outcome, 0) + 1
        counts["appointments"] += by_appointment
        if outcome in counts["reasons"] and reason:
            key = " ".join(reason.casefold().split())
            counts["reasons"][outcome][key] = counts["reasons"][outcome].get(key, 0) + 1
            counts["reason_spelling"].setdefault(key, reason)
        for name, text in (("institutions", row.institution), ("purposes", row.purpose)):
            text = " ".join((text or "").split())
            if text:
                key = text.casefold()
                counts[name][key] = counts[name].get(key, 0) + 1
                counts["spelling"].setdefault(f"{name}:{key}", text)
        for name, value in (("hosts", row.host_id), ("services", row.service_id), ("per_guest", row.nik_hash)):
            if value:
                value = str(value)
                counts[name][value] = counts[name].get(value, 0) + 1
    return counts


def merge_counts(into: dict, part: dict) -> dict:
    """Add `part` (counts of later visits) to `into`."""
    for key in ("total", "appointments"):
        into[key] += part[key]
    for key in ("stay", "wait", "answer"):
        into[key].extend(part[key])
    for key in ("heat", "outcomes", "institutions", "purposes", "hosts", "services", "per_guest"):
        target = into[key]
        for name, n in part[key].items():
            target[name] = target.get(name, 0) + n
    for kind, counter in part["reasons"].items():
        target = into["reasons"][kind]
        for name, n in counter.items():
            target[name] = target.get(name, 0) + n
    for key in ("reason_spelling", "spelling"):
        for name, text in part[key].items():
            into[key].setdefault(name, text)
    return into


def _visit_analytics(offices: list[Office], period, service_id: int | None, host_id: int | None,
                     lang: str) -> dict:
    zones = {o.id: o.tz for o in offices}
    if service_id is None and host_id is None:
        # Closed days come summed up (dashboard_day rows), only recent visits are read.
        from .days import office_visit_counts

        counts = empty_counts()
        for office in offices:
            office_visit_counts(office, period, counts)
    else:
        query = db.select(*COLUMNS).where(_period_clause(offices, period)).order_by(
            Visit.registered_at, Visit.id)
        if service_id is not None:
            query = query.where(Visit.service_id == service_id)
        if host_id is not None:
            query = query.where(Visit.host_id == host_id)
        counts = count_visits(db.session.execute(query), zones)
    heat = [[0] * 24 for _ in range(7)]
    for cell, n in counts["heat"].items():
        day, hour = map(int, cell.split(","))
        heat[day][hour] = n
    per_guest = Counter(counts["per_guest"])
    hosts = Counter({int(k): n for k, n in counts["hosts"].items()})
    services = Counter({int(k): n for k, n in counts["services"].items()})
    reasons = {kind: Counter(counter) for kind, counter in counts["reasons"].items()}
    spelling = counts["spelling"]

    repeat = _repeat_visitors(offices, period, per_guest)
    host_names = dict(db.session.execute(db.select(Host.id, Host.name).where(
        Host.id.in_(list(hosts)))).all()) if hosts else {}
    service_rows = db.session.execute(db.select(Service.id, Service.name, Office.code).join(
        Office, Office.id == Service.office_id).where(Service.id.in_(list(services)))).all() if services else []
    service_names = {sid: (f"{code} · {name}" if len(offices) > 1 else name) for sid, name, code in service_rows}
    hours = [h for h in range(24) if any(heat[d][h] for d in range(7))]
    first, last = (min(hours + [8]), max(hours + [16])) if hours else (8, 16)
    lang_index = 1 if lang == "en" else 0
    outcomes = counts["outcomes"]
    return {
        "total": counts["total"], "by_appointment": counts["appointments"],
        "hours": list(range(first, last + 1)),
        "weekdays": list(day_names(lang, "abbreviated")),
        "heat": [[heat[d][h] for h in range(first, last + 1)] for d in range(7)],
        "stay": _stats(counts["stay"]), "wait": _stats(counts["wait"]), "answer": _stats(counts["answer"]),
        "outcomes": [(OUTCOME_LABELS[k][lang_index], outcomes.get(k, 0), k) for k in OUTCOMES],
        "reasons": {kind: _top(counter, counts["reason_spelling"]) for kind, counter in reasons.items()},
        "repeat": repeat,
        "institutions": [(spelling[f"institutions:{k}"], n) for k, n in
                         Counter(counts["institutions"]).most_common(TOP)],
        "purposes": [(spelling[f"purposes:{k}"], n) for k, n in Counter(counts["purposes"]).most_common(TOP)],
        "hosts": [(host_names.get(hid, "–"), n) for hid, n in hosts.most_common(TOP)],
        "services": [(service_names.get(sid, "–"), n) for sid, n in services.most_common(TOP)],
    }


def _repeat_visitors(offices: list[Office], period, per_guest: Counter) -> dict:
    """Return guests with an identity number in the period, those who came more than once in it,
    and those who had come before it (to the same offices)."""
    guests = len(per_guest)
    repeated = sum(1 for n in per_guest.values() if n > 1)
    returning = 0
    hashes = list(per_guest)
    earliest = min((period.in_zone(o.timezone).start for o in offices), default=None)
    ids = [o.id for o in offices]
    for start in range(0, len(hashes), 900):
        chunk = hashes[start:start + 900]
        returning += db.session.scalar(db.select(func.count(func.distinct(Visit.nik_hash))).where(
            Visit.nik_hash.in_(chunk), Visit.office_id.in_(ids), Visit.registered_at < earliest)) or 0
    return {"guests": guests, "repeated": repeated, "returning": returning,
            "visits_by_repeaters": sum(n for n in per_guest.values() if n > 1),
            "per_guest": sorted(Counter(min(n, 5) for n in per_guest.values()).items())}


def visit_hosts_and_services(offices: list[Office]) -> tuple[list[Host], list[Service]]:
    """Return the hosts and services of the offices, for the filters."""
    ids = [o.id for o in offices]
    hosts = db.session.scalars(db.select(Host).where(Host.office_id.in_(ids)).order_by(Host.name)).all()
    services = db.session.scalars(db.select(Service).where(Service.office_id.in_(ids)).order_by(Service.name)).all()
    return hosts, services
