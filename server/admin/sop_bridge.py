"""The admin pages' view of the SOP engine (server/sop), in plain lists and dicts."""
from flask_babel import get_locale

from .. import sop


def text(value) -> str:
    """Return a {"id", "en"} title in the page's language (or a plain string as it is)."""
    if isinstance(value, dict):
        return value.get(str(get_locale())) or value.get("id") or ""
    return value or ""


def available() -> bool:
    """Say whether any SOP template is installed."""
    return bool(sop.template_keys())


def template_choices() -> list[tuple[str, str]]:
    """Return (key, title) of every SOP template."""
    return [(t["key"], f"{text(t['title'])} · {t.get('issuer', '')} ({t['key']})")
            for t in sop.list_templates()]


def steps_with_minutes(office, template_key: str) -> list[dict]:
    """Return the template's timed steps with the template's and the office's minutes."""
    try:
        template = sop.get_template(template_key)
    except sop.SopError:
        return []
    own_minutes = (office.sop_minutes or {}) if office.sop_template == template_key else {}
    steps, seen = [], set()
    for tier in template["tiers"]:
        for step in tier["steps"]:
            if step.get("minutes") is None or step["key"] in seen:
                continue
            seen.add(step["key"])
            own = own_minutes.get(step["key"])
            name = text(step["title"])
            if template.get("tiered"):
                name = f"{text(tier['title'])}: {name}"
            steps.append({"key": step["key"], "name": name, "template_minutes": step["minutes"],
                          "minutes": own if own is not None else step["minutes"],
                          "overridden": own is not None})
    return steps


def validate_overrides(template_key: str, overrides: dict) -> dict:
    """Return {step: message} for overrides the SOP engine refuses."""
    try:
        return sop.validate_minutes_override(sop.get_template(template_key), overrides)
    except sop.SopError as exc:
        return exc.fields or {"_": exc.message}
