"""Staff and public pages are Indonesian first; every other language is a gettext catalog,
server/translations/<lang>/LC_MESSAGES/messages.po, and the strings are found by babel's
extract with babel.cfg (README "Translations")."""
import shutil
import subprocess
import sys

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from server import create_app
from server.i18n import TRANSLATIONS, available_languages, catalog_paths, english, read_catalog
from server.i18n_extract import ROOT, extract_messages

# Shown by server/dashboard/__init__.py `_period()` without a mark yet: to be N_()-marked there.
NOT_YET_MARKED: set[str] = set()


@pytest.fixture(scope="module")
def extracted():
    """Every msgid in the templates and the Python of server/ and reports/."""
    return extract_messages()


def missing_english(extracted: dict, catalog: dict[str, str]) -> dict[str, list]:
    return {text: where[:2] for text, where in extracted.items() if not catalog.get(text)}


def test_extraction_finds_template_and_python_strings(extracted):
    assert "Ringkasan kantor" in extracted  # admin/index.html, _("...")
    assert "Kode kantor" in extracted  # a WTForms field label
    assert "Alamat e-mail tidak valid." in extracted  # a validator message
    assert "Eselon IV / ASN" in extracted  # a *_LABELS value shown for a stored key
    assert "Sedang menghadap" in extracted  # server/lifecycle.py
    assert "Diputar ulang" in extracted  # a template's own table (admin/quarantine.html)
    assert "Petugas Keamanan" in extracted  # a constant babel.cfg names (staff.ROLES)
    assert len(extracted) > 500


def test_every_extracted_string_has_an_english_entry(extracted):
    assert missing_english(extracted, english()) == {}


def test_a_removed_english_entry_is_reported(extracted, tmp_path):
    """The check above can fail: the catalog without "Ringkasan kantor" misses it."""
    shutil.copytree(TRANSLATIONS / "en", tmp_path / "en")
    po = tmp_path / "en" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale="en")
    catalog.delete("Ringkasan kantor")
    with po.open("wb") as f:
        write_po(f, catalog)
    missing = missing_english(extracted, read_catalog("en", tmp_path))
    assert list(missing) == ["Ringkasan kantor"]
    assert missing["Ringkasan kantor"][0][0].endswith("index.html")


def pybabel(*args):
    """Run `pybabel` from the checkout, as README "Translations" does."""
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", *map(str, args)],
                   cwd=ROOT, check=True, capture_output=True)


@pytest.fixture(scope="module")
def updated_catalogs(tmp_path_factory):
    """Copies of the catalogs after README's workflow: `pybabel extract -F babel.cfg`, then
    `pybabel update` (read back, by language)."""
    tmp = tmp_path_factory.mktemp("round_trip")
    shutil.copytree(TRANSLATIONS, tmp / "translations", ignore=shutil.ignore_patterns("*.mo"))
    pybabel("extract", "-F", "babel.cfg", "-o", tmp / "messages.pot", ".")
    pybabel("update", "-i", tmp / "messages.pot", "-d", tmp / "translations", "--no-fuzzy-matching")
    catalogs = {}
    for code, po in catalog_paths(tmp / "translations").items():
        with po.open("rb") as f:
            catalogs[code] = read_po(f, locale=code)
    return catalogs


def test_every_translation_survives_extract_and_update(updated_catalogs):
    """`update` makes an entry whose msgid `extract` does not find obsolete (#~), and obsolete
    entries are not compiled: every translated msgid is in the source, a run-time one marked
    with N_() or named in babel.cfg."""
    assert "en" in updated_catalogs
    for code, catalog in updated_catalogs.items():
        lost = sorted(m.id for m in catalog.obsolete.values() if m.string and m.id not in NOT_YET_MARKED)
        fuzzy = sorted(m.id for m in catalog if m.id and m.fuzzy)
        assert (code, lost, fuzzy) == (code, [], [])


def test_placeholders_survive_translation(app):
    """A msgstr keeps the msgid's {placeholders}: call sites fill them with str.format."""
    import re

    with app.app_context():
        wrong = {k: v for k, v in english().items()
                 if sorted(re.findall(r"\{(\w*)\}", k)) != sorted(re.findall(r"\{(\w*)\}", v))}
    assert wrong == {}


def test_compiled_catalog_is_what_the_pages_read(db, staffed, as_user, app):
    client = as_user(staffed.users["office_admin"])
    html = client.get("/admin/?lang=en").get_data(as_text=True)
    assert "Offices at a glance" in html and "Ringkasan kantor" not in html
    assert (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo").exists()


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


def test_quarantine_filter_names_the_states_in_the_page_language(db, staffed, as_user):
    """The states are extracted from the template's own table and shown translated."""
    html = as_user(staffed.users["office_admin"]).get("/admin/quarantine?lang=en").get_data(as_text=True)
    assert all(word in html for word in ("Open", "Replayed", "Dismissed")) and "Diputar ulang" not in html


def test_host_list_names_the_tier_in_words(db, staffed, as_user):
    html = as_user(staffed.users["central_admin"]).get("/admin/hosts").get_data(as_text=True)
    assert "Eselon IV / ASN" in html and "eselon_4_asn" not in html


@pytest.mark.parametrize("lang, words", [
    ("id", ('<th scope="row">Senin</th>', 'aria-label="Jam buka Senin (JJ:MM, kosong = tutup)"',
            'aria-label="Jam tutup Minggu"', ">Disetujui otomatis<")),
    ("en", ('<th scope="row">Monday</th>', 'aria-label="Monday opens (HH:MM, empty = closed)"',
            'aria-label="Sunday closes"', ">Approved automatically<")),
])
def test_booking_settings_name_the_weekdays_and_modes_in_the_page_language(db, staffed, as_user, lang,
                                                                           words):
    """Weekday names come from Babel, the labels around them from the catalog."""
    html = as_user(staffed.users["office_admin"]).get(f"/appointments/settings?lang={lang}").get_data(as_text=True)
    assert [w for w in words if w not in html] == []


def test_keluar_is_log_out_on_every_page():
    """One catalog, one English per Indonesian text: "Keluar" in the top bar is "Log out"."""
    assert english()["Keluar"] == "Log out"


# -- a language is a catalog --------------------------------------------------------------

@pytest.fixture
def javanese(tmp_path):
    """A translations folder with the English catalog and a tiny Javanese one (.po only)."""
    shutil.copytree(TRANSLATIONS / "en", tmp_path / "en", ignore=shutil.ignore_patterns("*.mo"))
    catalog = Catalog(locale="jv")
    catalog.add("Masuk", "Mlebu")
    catalog.add("Nama pengguna", "Jeneng panganggo")
    (tmp_path / "jv" / "LC_MESSAGES").mkdir(parents=True)
    with (tmp_path / "jv" / "LC_MESSAGES" / "messages.po").open("wb") as f:
        write_po(f, catalog)
    return tmp_path


def test_the_languages_are_indonesian_and_each_catalog():
    assert available_languages() == ["id", *sorted(catalog_paths())]
    assert "en" in available_languages()


def test_adding_a_language_is_adding_a_catalog(javanese, tmp_path_factory):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "t",
                      "SITAMU_DATA_KEY": "11" * 32, "INSTANCE_PATH": str(tmp_path_factory.mktemp("jv")),
                      "SITAMU_TRANSLATIONS": str(javanese)})
    assert app.config["SITAMU_LANGUAGES"] == ["id", "en", "jv"]
    assert (javanese / "jv" / "LC_MESSAGES" / "messages.mo").exists()  # compiled at start
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert 'href="?lang=jv"' in page and ">Jawa<" in page and ">English<" in page
    page = client.get("/login?lang=jv").get_data(as_text=True)
    assert '<html lang="jv">' in page and "Mlebu" in page and "Jeneng panganggo" in page
    assert "Kata sandi" in page  # not in the Javanese catalog yet: the Indonesian text
    assert ">Bahasa Indonesia<" in page
    page = client.get("/login?lang=xx").get_data(as_text=True)  # no catalog, no language
    assert '<html lang="id">' in page and "Mlebu" not in page


def test_a_language_without_a_catalog_is_refused(client):
    page = client.get("/login?lang=jv").get_data(as_text=True)
    assert '<html lang="id">' in page and "Masuk" in page
