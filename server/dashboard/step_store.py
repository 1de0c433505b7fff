"""Each visit's SOP step minutes, stored on the visit row when the visit is derived.

The dashboard's step medians need every visit's minutes per SOP step; computing them from the
events on a page view reads the whole events table of a province. So the push path (and every
other writer that derives a visit) stores them in `visit.step_minutes`:

    {"sop": "<signature of the steps they were measured on>", "minutes": {step_key: minutes}}

Minutes are unrounded (`server.sop.step_durations(..., places=None)`), from the events exactly
as the dashboard read them before: each event's corrected time, and the visit's `consent_at` as
the start of the registration. The signature names the step keys and which are timed, from the
office's template and the visit's tier: after an office changes its template, the stored
minutes no longer match and the dashboard measures those visits again from their events
(`measure_visits`), storing the result.
"""
import hashlib
import json
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import OperationalError

from .. import sop
from ..extensions import db

NO_STEPS = "-"  # the visit's tier has no steps in the template (the dashboard leaves it out)
_STEPS: dict[tuple, tuple] = {}


def steps_and_signature(template_key: str, tier: str | None) -> tuple[list[dict] | None, str]:
    """Return (the steps a visit of `tier` follows in the shipped template, their signature);
    (None, NO_STEPS) when the template or the tier is unknown. Office overrides change only
    standard minutes, never which steps are timed, so they do not enter the signature."""
    cache_key = (template_key, tier or None)
    found = _STEPS.get(cache_key)
    if found is None:
        try:
            steps = sop.steps_for(sop.get_template(template_key), tier or None)
        except sop.SopError:
            found = (None, NO_STEPS)
        else:
            shape = [sorted(s["key"] for s in steps), sorted(s["key"] for s in steps if s.get("minutes") is not None)]
            digest = hashlib.sha1(json.dumps(shape).encode()).hexdigest()[:12]
            found = (steps, f"{template_key}:{digest}")
        _STEPS[cache_key] = found
    return found


def visit_step_minutes(steps: list[dict] | None, signature: str, events, consent_at: datetime | None) -> dict:
    """Return the value stored in `visit.step_minutes` for a visit's events (dicts with kind,
    step, and corrected_time or device_time and clock_offset_ms), in stored order."""
    if steps is None:
        return {"sop": signature, "minutes": {}}
    timed = []
    for event in events:
        payload = {}
        # The registration's payload only counts for the form's start, kept on the visit row.
        if event["kind"] == "registration" and consent_at:
            payload = {"consent_at": consent_at}
        timed.append({"kind": event["kind"], "step": event.get("step"), "payload": payload,
                      "corrected_time": event.get("corrected_time"), "device_time": event.get("device_time"),
                      "clock_offset_ms": event.get("clock_offset_ms")})
    return {"sop": signature, "minutes": sop.step_durations(steps, timed, places=None)}


def add_step_minutes(office_id: int, rows: list[dict], events: dict[str, list[dict]],
                     known: dict | None = None) -> None:
    """Set `step_minutes` on each visit row about to be upserted (`rows`: dicts with id, tier and
    consent_at; `events`: {visit id: all its events}; `known`: the events just inserted, which
    come after the stored ones, as the table returns them)."""
    from ..models import Office, Visit
    from ..models.base import among
    from .days import forget_days

    template_key, tz_name = db.session.execute(
        select(Office.sop_template, Office.timezone).where(Office.id == office_id)).one()
    # The kept day rows of the days these visits were and are registered on are made again.
    before = db.session.scalars(select(Visit.registered_at).where(among(Visit.id, [r["id"] for r in rows])))
    forget_days(office_id, tz_name, [*before, *(r["registered_at"] for r in rows)])
    known = known or {}
    for row in rows:
        evs = events.get(row["id"], [])
        if known:
            evs = [e for e in evs if e["id"] not in known] + [e for e in evs if e["id"] in known]
        steps, signature = steps_and_signature(template_key, row.get("tier"))
        row["step_minutes"] = visit_step_minutes(steps, signature, evs, row.get("consent_at"))


def measure_visits(office, visits) -> dict[str, dict]:
    """Measure visits whose stored minutes are missing or were taken on other steps (the office
    changed its template) from their events; store the result; return {visit id: stored value}.

    `visits`: rows with id, tier, consent_at and event_count. A visit that changed meanwhile
    (its event count moved on) keeps what its own derivation stored."""
    from ..models import Visit, VisitEvent

    ids = [v.id for v in visits]
    events: dict[str, list[dict]] = {}
    for start in range(0, len(ids), 900):
        for row in db.session.execute(select(
                VisitEvent.visit_id, VisitEvent.kind, VisitEvent.step, VisitEvent.corrected_time,
                VisitEvent.clock_offset_ms).where(VisitEvent.visit_id.in_(ids[start:start + 900]))):
            events.setdefault(row.visit_id, []).append(
                {"kind": row.kind, "step": row.step, "corrected_time": row.corrected_time,
                 "clock_offset_ms": row.clock_offset_ms})
    out, rows = {}, []
    for v in visits:
        steps, signature = steps_and_signature(office.sop_template, v.tier)
        out[v.id] = visit_step_minutes(steps, signature, events.get(v.id, []), v.consent_at)
        rows.append({"vid": v.id, "n": v.event_count, "minutes": out[v.id]})
    table = Visit.__table__
    store = (table.update().where(table.c.id == bindparam("vid"), table.c.event_count == bindparam("n"))
             .values(step_minutes=bindparam("minutes"), updated_at=table.c.updated_at))
    try:
        db.session.execute(store, rows)
        db.session.commit()
    except OperationalError:  # a busy database: measured again on a later view
        db.session.rollback()
    return out
