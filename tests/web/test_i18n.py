"""Staff and public pages are Indonesian first, with every fixed string also in English."""
import re
from pathlib import Path

from server.i18n import english

TEMPLATES = Path(__file__).resolve().parents[2] / "server" / "templates"
MINE = ["admin", "host", "dashboard", "public"]


def template_strings():
    found = set()
    for area in MINE:
        for path in (TEMPLATES / area).glob("*.html"):
            text = path.read_text(encoding="utf-8")
            found |= set(re.findall(r'_\("([^"]+)"', text)) | set(re.findall(r"_\('([^']+)'", text))
    return found


def test_every_fixed_string_on_the_web_pages_has_an_english_translation(app):
    with app.app_context():
        missing = sorted(s for s in template_strings() if s not in english() and not s.isupper())
    assert not missing, missing


def test_english_switch_translates_the_pages(db, staffed, as_user, app):
    client = as_user(staffed.users["office_admin"])
    html = client.get("/admin/?lang=en").get_data(as_text=True)
    assert "Offices at a glance" in html and "Ringkasan kantor" not in html
    html = client.get("/admin/hosts/new").get_data(as_text=True)  # the choice sticks
    assert "Notification e-mail" in html
    public = app.test_client().get(f"/p/ikm/{staffed.office.code}?lang=en").get_data(as_text=True)
    assert "Six-month trend" in public


def test_english_switch_translates_choices_tiers_and_the_visit_heading(db, staffed, as_user, tablet,
                                                                       make_visit):
    """Option labels, the tier column and "Kunjungan A001" are words on the page too."""
    visit = make_visit(tablet(staffed.office), host=staffed.host)
    client = as_user(staffed.users["central_admin"])
    html = client.get(f"/admin/offices/{staffed.office.id}?lang=en").get_data(as_text=True)
    assert "Exact 1/9 weight (default)" in html and "Pecahan tepat" not in html
    html = client.get("/admin/staff/new").get_data(as_text=True)
    assert "Central admin" in html and "Admin Pusat" not in html and "— (all offices)" in html
    html = client.get("/admin/hosts/new").get_data(as_text=True)
    assert "Echelon IV / civil servant" in html
    html = client.get("/admin/hosts").get_data(as_text=True)
    assert "Echelon IV / civil servant" in html and "eselon_4_asn" not in html
    html = client.get(f"/admin/visits/{visit.id}").get_data(as_text=True)
    assert "Visit A001" in html


def test_host_list_names_the_tier_in_words(db, staffed, as_user):
    html = as_user(staffed.users["central_admin"]).get("/admin/hosts").get_data(as_text=True)
    assert "Eselon IV / ASN" in html and "eselon_4_asn" not in html


def test_area_translations_do_not_change_the_common_words():
    """"Keluar" is "Log out" in the top bar: a stage label must not turn it into "Checked out"."""
    from server.admin.strings_en import EN as ADMIN
    from server.dashboard.strings_en import EN as DASHBOARD
    from server.host.strings_en import EN as HOST
    from server.i18n import EN as COMMON
    from server.public.strings_en import EN as PUBLIC

    for area in (ADMIN, DASHBOARD, HOST, PUBLIC):
        clashes = {k: (COMMON[k], v) for k, v in area.items() if k in COMMON and COMMON[k] != v}
        assert not clashes, clashes
