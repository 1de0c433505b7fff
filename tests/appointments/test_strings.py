"""Every Indonesian string of the appointment pages has its English entry."""

import re
from pathlib import Path

from server.appointments import forms
from server.appointments.staff import STATUS_LABELS
from server.i18n import english

ROOT = Path(__file__).resolve().parents[2]


def _template_strings() -> set[str]:
    found = set()
    for path in (ROOT / "server" / "templates" / "appointments").glob("*.html"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'_\("([^"]+)"', text)) | set(re.findall(r"_\('([^']+)'", text))
    return found


def _form_strings() -> set[str]:
    found = set()
    for form in (
        forms.BookingForm,
        forms.ChangeForm,
        forms.CancelForm,
        forms.DeclineForm,
        forms.RescheduleForm,
        forms.SettingsForm,
        forms.InviteForm,
    ):
        for name in dir(form):
            field = getattr(form, name)
            kwargs = getattr(field, "kwargs", None)
            if kwargs is None or not getattr(field, "args", None):
                continue
            found.add(field.args[0])
            for validator in kwargs.get("validators", []):
                if getattr(validator, "message", None):
                    found.add(validator.message)
    return found


def test_every_page_form_and_status_string_has_english(app):
    with app.test_request_context():
        missing = sorted(
            s
            for s in _template_strings() | _form_strings() | set(STATUS_LABELS.values())
            if s not in english()
        )
    assert missing == []
