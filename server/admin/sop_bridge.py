"""The admin pages' view of the SOP engine (server/sop), in plain lists and dicts."""
import importlib


def _sop():
    try:
        return importlib.import_module("server.sop")
    except ModuleNotFoundError:
        return None


def available() -> bool:
    """Say whether the SOP engine is installed."""
    return _sop() is not None and hasattr(_sop(), "list_templates")


def _get(obj, name, default=None):
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def template_choices() -> list[tuple[str, str]]:
    """Return (key, title) of every SOP template."""
    sop = _sop()
    if sop is None or not hasattr(sop, "list_templates"):
        return []
    return [(_get(t, "key"), _get(t, "title") or _get(t, "name") or _get(t, "key"))
            for t in sop.list_templates()]


def _template(key: str):
    sop = _sop()
    if sop is None:
        return None
    for t in sop.list_templates():
        if _get(t, "key") == key:
            return t
    return None


def steps_with_minutes(office, template_key: str) -> list[dict]:
    """Return the template's timed steps with the template and the office's minutes."""
    template = _template(template_key)
    if template is None:
        return []
    steps, seen = [], set()
    for step in _get(template, "steps", []) or []:
        key = _get(step, "key")
        if key in seen:
            continue
        seen.add(key)
        minutes = _get(step, "minutes")
        own = (office.sop_minutes or {}).get(key) if office.sop_template == template_key else None
        steps.append({"key": key, "name": _get(step, "title") or _get(step, "name") or key,
                      "template_minutes": minutes, "minutes": own if own is not None else minutes,
                      "overridden": own is not None})
    return steps


def validate_overrides(template_key: str, overrides: dict) -> dict:
    """Return {step: message} for overrides the SOP engine refuses."""
    sop = _sop()
    if sop is None or not hasattr(sop, "validate_minutes_override"):
        return {}
    template = _template(template_key)
    try:
        result = sop.validate_minutes_override(template, overrides)
    except ValueError as exc:
        return {"_": str(exc)}
    return result if isinstance(result, dict) else {}
