"""Each SOP step's minutes for one visit, against the office's standard minutes."""
from sync.rules import FINAL_STAGES, format_time, walk_steps

from .. import sop
from .sop_bridge import text


def step_rows(visit, events) -> list[dict]:
    """Return [{key, name, minutes, standard, late, rounds, current}] for the visit's timed SOP steps."""
    try:
        template = sop.resolve_template(visit.office)
        steps = sop.steps_for(template, visit.tier or None)
    except sop.SopError:
        return []
    durations = sop.step_durations(steps, events)
    # The same walk as the desk tablets (sync.rules.walk_steps): where the guest is now.
    walked = walk_steps(steps, {**(visit.state or {}), "registered_at": format_time(visit.registered_at),
                                "queue_number": visit.queue_number})
    current = walked["current"] if visit.stage not in FINAL_STAGES else None
    rows = []
    for step in steps:
        if step.get("minutes") is None:
            continue
        minutes = durations.get(step["key"])
        rows.append({"key": step["key"], "name": text(step["title"]), "minutes": minutes,
                     "standard": step["minutes"],
                     "late": minutes is not None and minutes > step["minutes"],
                     # A step walked again (a loop back): its minutes are all rounds together.
                     "rounds": sum(1 for e in events if e.step == step["key"]),
                     "current": step["key"] == current})
    return rows
