"""Each SOP step's minutes for one visit, against the office's standard minutes."""
import importlib


def _get(obj, name, default=None):
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def step_rows(visit, events) -> list[dict]:
    """Return [{key, name, minutes, standard, late}] for the visit's SOP steps.

    Uses the SOP engine when present; otherwise the minutes between consecutive events.
    """
    try:
        sop = importlib.import_module("server.sop")
        template = sop.resolve_template(visit.office)
        steps = sop.steps_for(template, visit.tier or None)
        durations = sop.step_durations(steps, events)
    except (ModuleNotFoundError, AttributeError):
        return _event_gaps(events)
    rows = []
    for item in durations:
        minutes, standard = _get(item, "minutes"), _get(item, "standard")
        if standard is None:
            standard = _get(item, "standard_minutes")
        rows.append({"key": _get(item, "key"), "name": _get(item, "title") or _get(item, "name")
                     or _get(item, "key"), "minutes": minutes, "standard": standard,
                     "late": minutes is not None and standard is not None and minutes > standard})
    return rows


def _event_gaps(events) -> list[dict]:
    rows = []
    for before, after in zip(events, events[1:]):
        minutes = round((after.corrected_time - before.corrected_time).total_seconds() / 60, 1)
        rows.append({"key": after.kind, "name": after.kind, "minutes": minutes, "standard": None,
                     "late": False})
    return rows
