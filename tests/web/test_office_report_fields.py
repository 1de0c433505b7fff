"""The office form holds what signed reports need: the signing city, the signers with their
pangkat/golongan and NIP, the SKM population per period and the respondent threshold."""
import pytest

from server.models import Office
from tests.web.test_admin import OFFICE_FORM

REPORT_FIELDS = {
    "city": "Samarinda", "signer_rank": "Pembina Utama Madya (IV/d)", "maker_name": "Nurul Hidayah, S.E.",
    "maker_position": "Kepala Subbagian Umum", "maker_rank": "Penata (III/c)", "maker_nip": "198802242011012005",
    "population": "2026-S2 = 1.900\n2026 = 3500", "respondent_threshold": "25",
}


def test_office_admin_sets_signers_city_population_and_threshold(db, staffed, as_user):
    client = as_user(staffed.users["office_admin"])
    response = client.post(f"/admin/offices/{staffed.office.id}", data={**OFFICE_FORM, "code": "KANTOR-A",
                                                                       **REPORT_FIELDS})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.session.expire_all()
    office = db.session.get(Office, staffed.office.id)
    assert (office.city, office.signer_rank, office.maker_name, office.maker_rank, office.maker_nip) == (
        "Samarinda", "Pembina Utama Madya (IV/d)", "Nurul Hidayah, S.E.", "Penata (III/c)", "198802242011012005")
    assert office.population == {"2026-S2": 1900, "2026": 3500} and office.respondent_threshold == 25
    page = client.get(f"/admin/offices/{office.id}").get_data(as_text=True)
    assert "2026 = 3500\n2026-S2 = 1900" in page and 'value="Samarinda"' in page
    english = client.get(f"/admin/offices/{office.id}?lang=en").get_data(as_text=True)
    assert "City where reports are signed" in english and "Fewest respondents before one official" in english


@pytest.mark.parametrize("field, value, message", [
    ("population", "2026-S9 = 100", "Baris 1: periode '2026-S9' tidak dikenal"),
    ("population", "2026-S2 = 100\nsemester dua 5", "Baris 2: tulis periode = jumlah"),
    ("population", "2026-S2 = 0", "Baris 1: jumlah harus antara 1"),
    ("respondent_threshold", "0", "Harus bilangan antara 1 dan 1000."),
    ("maker_nip", "12345", "NIP terdiri dari 18 angka."),
])
def test_bad_report_fields_are_refused_naming_the_field_and_nothing_is_stored(db, staffed, as_user, field, value,
                                                                              message):
    client = as_user(staffed.users["office_admin"])
    response = client.post(f"/admin/offices/{staffed.office.id}",
                           data={**OFFICE_FORM, "code": "KANTOR-A", **REPORT_FIELDS, field: value})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html.replace("&#39;", "'") and f'id="{field}"' in html
    db.session.expire_all()
    office = db.session.get(Office, staffed.office.id)
    assert office.city == "" and not office.population and office.respondent_threshold == 30
