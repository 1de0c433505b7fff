"""Each SOP step's minutes for one visit, against the office's standard minutes."""
from .. import lifecycle, sop
from ..extensions import db
from ..i18n import translate
from ..models import Host, StaffUser
from .sop_bridge import text


def step_rows(visit, events, steps: list[dict]) -> list[dict]:
    """Return [{key, name, minutes, standard, late, rounds, current}] for the visit's timed SOP steps."""
    if not steps:
        return []
    durations = sop.step_durations(steps, events)
    current = lifecycle.current_step(visit, steps)
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


def step_names(steps: list[dict]) -> dict[str, str]:
    """Return {step key: step title} of the steps, in the page's language."""
    return {step["key"]: text(step["title"]) for step in steps}


def actor_names(events, office_id: int) -> dict[str, str]:
    """Return {event actor: who it was}: the guest, the system, or a staff member or host of
    the office by name (an id from another office stays an id)."""
    ids = {"staff": set(), "host": set()}
    for event in events:
        kind, _, ident = (event.actor or "").partition(":")
        if kind in ids and ident.isdigit():
            ids[kind].add(int(ident))
    staff = dict(db.session.execute(db.select(StaffUser.id, StaffUser.name).where(
        StaffUser.id.in_(ids["staff"]), StaffUser.office_id == office_id)).all()) if ids["staff"] else {}
    hosts = dict(db.session.execute(db.select(Host.id, Host.name).where(
        Host.id.in_(ids["host"]), Host.office_id == office_id)).all()) if ids["host"] else {}
    names = {"guest": translate("Tamu"), "system": translate("Sistem")}
    for kind, found in (("staff", staff), ("host", hosts)):
        names.update({f"{kind}:{ident}": name for ident, name in found.items()})
    return names
