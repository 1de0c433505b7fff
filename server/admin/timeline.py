"""Each SOP step's minutes for one visit, against the office's standard minutes."""
from .. import sop
from .sop_bridge import text


def step_rows(visit, events) -> list[dict]:
    """Return [{key, name, minutes, standard, late}] for the visit's timed SOP steps."""
    try:
        template = sop.resolve_template(visit.office)
        steps = sop.steps_for(template, visit.tier or None)
    except sop.SopError:
        return []
    durations = sop.step_durations(steps, events)
    rows = []
    for step in steps:
        if step.get("minutes") is None:
            continue
        minutes = durations.get(step["key"])
        rows.append({"key": step["key"], "name": text(step["title"]), "minutes": minutes,
                     "standard": step["minutes"],
                     "late": minutes is not None and minutes > step["minutes"]})
    return rows
