"""The offices' written SOPs as workflow templates: loading, per-office minutes, step timing.

Templates are JSON files in `templates/`, one per seed SOP, checked against
`schema.TemplateSchema` when first loaded. An office picks one (`Office.sop_template`) and may
override the standard minutes of its steps (`Office.sop_minutes`, {step_key: minutes}).
Every function here returns fresh plain dicts, so callers may change them freely.
"""
import copy
import json
import logging
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path

from .schema import EVENT_KINDS, MAX_MINUTES, check_template

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
log = logging.getLogger("sitamu.sop")


class SopError(ValueError):
    """A template or an override that cannot be used; `fields` says which part and why."""

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


@cache
def _templates() -> dict[str, dict]:
    found = {}
    for path in sorted(TEMPLATE_DIR.glob("*.json")):
        data = check_template(json.loads(path.read_text(encoding="utf-8")))
        if data["key"] != path.stem:
            raise SopError(f"template file {path.name} holds key {data['key']!r}")
        found[data["key"]] = data
    return found


def template_keys() -> list[str]:
    """Return the keys of the shipped templates."""
    return sorted(_templates())


def list_templates() -> list[dict]:
    """Return every shipped template, ordered by key."""
    return [copy.deepcopy(t) for _, t in sorted(_templates().items())]


def get_template(key: str) -> dict:
    """Return the shipped template `key`; raise SopError if there is none."""
    try:
        return copy.deepcopy(_templates()[key])
    except (KeyError, TypeError):
        raise SopError(f"SOP template {key!r} tidak dikenal", {"sop_template": "template tidak dikenal"}) from None


def iter_steps(template: dict):
    """Yield (tier key, step) for every step of every tier."""
    for tier in template["tiers"]:
        for step in tier["steps"]:
            yield tier["key"], step


def timed_step_keys(template: dict) -> set[str]:
    """Return the keys of the steps that carry standard minutes (not the start/end markers)."""
    return {step["key"] for _, step in iter_steps(template) if step["minutes"] is not None}


def validate_minutes_override(template: dict, overrides) -> dict[str, str]:
    """Return {step_key: why} for each override that cannot apply; empty when all is well."""
    if overrides is None:
        return {}
    if not isinstance(overrides, dict):
        return {"sop_minutes": "harus berupa daftar {kunci_langkah: menit}"}
    timed = timed_step_keys(template)
    errors = {}
    for key, minutes in overrides.items():
        if key not in timed:
            errors[str(key)] = f"langkah {key!r} tidak ada (atau tidak berwaktu) di SOP {template['key']}"
        elif isinstance(minutes, bool) or not isinstance(minutes, int):
            errors[key] = "menit harus bilangan bulat"
        elif minutes < 0:
            errors[key] = "menit tidak boleh negatif"
        elif minutes > MAX_MINUTES:
            errors[key] = f"menit paling banyak {MAX_MINUTES}"
    return errors


def apply_minutes(template: dict, overrides: dict | None) -> dict:
    """Return a copy of `template` with `overrides` applied; raise SopError if one is bad."""
    errors = validate_minutes_override(template, overrides)
    if errors:
        raise SopError("waktu baku SOP tidak valid", errors)
    resolved = copy.deepcopy(template)
    resolved["overrides"] = dict(overrides or {})
    for _, step in iter_steps(resolved):
        if step["minutes"] is None:
            continue
        # The seed's figure stays visible next to the office's own.
        step["standard_minutes"] = step["minutes"]
        if step["key"] in resolved["overrides"]:
            step["minutes"] = resolved["overrides"][step["key"]]
    return resolved


def resolve_template(office) -> dict:
    """Return the office's template with its own standard minutes applied.

    A stored override that no longer fits (e.g. a step renamed in a newer template) is left
    out and named in `override_errors`, so tablets, reports and pages keep working on the
    template's own minutes for that step while the admin page shows what to fix. An unknown
    template key raises SopError.
    """
    template = get_template(office.sop_template)
    overrides = office.sop_minutes or {}
    errors = validate_minutes_override(template, overrides)
    if errors:
        log.warning("office SOP minutes do not fit the template",
                    extra={"office_id": getattr(office, "id", None), "steps": sorted(errors)})
        overrides = {k: v for k, v in overrides.items() if k not in errors} if isinstance(overrides, dict) else {}
    resolved = apply_minutes(template, overrides)
    resolved["override_errors"] = errors
    return resolved


def tier_key(template: dict, tier: str | None) -> str:
    """Return the tier a visit follows: the host's tier for tiered templates, else the only one."""
    if not template["tiered"]:
        return template["tiers"][0]["key"]
    if not tier:
        return template["default_tier"]
    if tier not in {t["key"] for t in template["tiers"]}:
        raise SopError(f"tingkat {tier!r} tidak ada di SOP {template['key']}", {"tier": "tingkat tidak dikenal"})
    return tier


def steps_for(template: dict, tier: str | None = None) -> list[dict]:
    """Return the steps, in order, a visit follows: by the host's tier when the template has tiers."""
    wanted = tier_key(template, tier)
    return copy.deepcopy(next(t["steps"] for t in template["tiers"] if t["key"] == wanted))


def _get(event, name, default=None):
    if isinstance(event, dict):
        return event.get(name, default)
    return getattr(event, name, default)


def _as_utc(value) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("naive datetime given where UTC was expected")
    return value.astimezone(timezone.utc)


def _event_time(event) -> datetime | None:
    """Return an event's time on the server clock: `corrected_time`, or the protocol's
    `device_time` minus `clock_offset_ms`."""
    corrected = _as_utc(_get(event, "corrected_time"))
    if corrected is not None:
        return corrected
    device_time = _as_utc(_get(event, "device_time"))
    if device_time is None:
        return None
    return device_time - timedelta(milliseconds=_get(event, "clock_offset_ms") or 0)


def _start_time(event) -> datetime | None:
    """Return when the guest started the registration form (its consent), on the server clock."""
    if _get(event, "kind") != "registration":
        return None
    payload = _get(event, "payload") or {}
    try:
        consent = _as_utc(payload.get("consent_at"))
    except (TypeError, ValueError):
        return None
    if consent is None:
        return None
    return consent - timedelta(milliseconds=_get(event, "clock_offset_ms") or 0)


UNTIMED_KINDS = ("step_skipped", "host_unavailable", "cancelled")


def step_durations(steps: list[dict], events, places: int | None = 2) -> dict[str, float]:
    """Return how many minutes each SOP step of a visit took, from its events.

    `events` are dicts (or rows) with `kind`, `step` and `corrected_time` (or the protocol's
    `device_time` and `clock_offset_ms`), and, for the registration, `payload`. As in sync/PROTOCOL.md, an event completes
    the step its `step` names; an event without one completes no step and does not stop the
    clock. A step's time runs from the previous completion to its own. The first step runs from
    the visit's start, which is known only when the registration's `consent_at` is earlier than
    the first event (the guest opened the form); otherwise the first step is not measured.
    A step done more than once (a loop back) has its times added up; a step not done, skipped
    (`step_skipped`) or where the visit ended (`host_unavailable`, `cancelled`) is absent. Minutes are rounded to `places` (None: unrounded, for
    a median rounded once).
    """
    known = {s["key"] for s in steps}
    timed = {s["key"] for s in steps if s.get("minutes") is not None}
    dated = []
    for n, event in enumerate(events):
        when = _event_time(event)
        if when is not None:
            dated.append((when, n, event))
    if not dated:
        return {}
    dated.sort(key=lambda item: (item[0], item[1]))
    clock, start_known = dated[0][0], False
    for _, _, event in dated:
        started = _start_time(event)
        if started is not None and started < clock:
            clock, start_known = started, True
    durations: dict[str, float] = {}
    for when, _, event in dated:
        key = _get(event, "step")
        if not key or key not in known:
            continue
        if _get(event, "kind") in UNTIMED_KINDS:
            # A step skipped (no bags for the locker) or where the visit ended (the polite
            # refusal, a cancel) is not timed against its standard.
            clock, start_known = when, True
            continue
        if key in timed and (start_known or when > clock):
            spent = (when - clock).total_seconds() / 60
            # A step walked again (Kalbar's "service not sufficient: back to the officer") counts
            # the total of its rounds, each from the completion before it (the insufficient
            # feedback), as the desk's timer runs: the guest spent all of it in that step, and
            # the standard minutes are for the whole service the guest needed. So the reports'
            # median per step is a median of per-visit totals.
            durations[key] = durations.get(key, 0.0) + spent
        clock, start_known = when, True
    if places is None:
        return durations
    return {key: round(minutes, places) for key, minutes in durations.items()}


def late_steps(steps: list[dict], durations: dict[str, float]) -> list[str]:
    """Return the keys of the steps that took longer than their standard minutes."""
    return [s["key"] for s in steps
            if s.get("minutes") is not None and durations.get(s["key"], 0) > s["minutes"]]


__all__ = ["EVENT_KINDS", "SopError", "apply_minutes", "get_template", "iter_steps", "late_steps",
           "list_templates", "resolve_template", "step_durations", "steps_for", "template_keys",
           "tier_key", "timed_step_keys", "validate_minutes_override"]
