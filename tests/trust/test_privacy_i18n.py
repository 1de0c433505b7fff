"""The privacy pages are Indonesian first with every fixed string also in English."""
import re
from pathlib import Path

from server.i18n import english

TEMPLATES = Path(__file__).resolve().parents[2] / "server" / "templates" / "privacy"


def test_every_fixed_string_on_the_privacy_pages_has_an_english_translation(app):
    found = set()
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'_\("([^"]+)"', text)) | set(re.findall(r"_\('([^']+)'", text))
    from server.privacy import forms
    found |= {field.args[0] for form in (forms.NikSearchForm, forms.EraseForm, forms.CorrectForm)
              for field in vars(form).values() if hasattr(field, "args") and field.args}
    assert len(found) > 20
    with app.app_context():
        missing = sorted(s for s in found if s not in english())
    assert not missing, missing


def test_english_switch_translates_the_privacy_page(client, login, make_user):
    login(make_user("office_admin"))
    html = client.get("/admin/privacy/?lang=en").get_data(as_text=True)
    assert "Personal data requests" in html and "Permintaan data pribadi" not in html
