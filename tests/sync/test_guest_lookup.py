"""Returning guests: a tablet finds the latest visit of its own office by NIK (sync/PROTOCOL.md,
"Returning guests"): name, institution and address to fill the form; never the phone, never the
NIK, never another office's guest, never a purged or expired visit."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.api.operations import find_returning_guest, revoke_device
from server.models import AuditLog, Visit
from server.models.base import utcnow
from server.privacy.retention import purge_visit, run_retention

from .conftest import PROTO, Tablet

NIK = "6171014506900001"        # a woman born 5 June 1990, Kota Pontianak
OTHER_NIK = "6171011505900001"  # nobody registered with it
PHONE = "081234567890"


def push(client, tablet, *events):
    response = client.post("/api/v1/push", json={"protocol": 1, "events": list(events)}, headers=tablet.headers)
    assert response.status_code == 200, response.data
    assert len(response.get_json()["ack"]["stored"]) == len(events)


def lookup(client, tablet, id_number, **extra):
    return client.post("/api/v1/guests/lookup", headers=tablet.headers,
                       json={"protocol": 1, "id_type": "ktp", "id_number": id_number, **extra})


@pytest.fixture
def registered(client, tablet_for, make_host):
    """Return a factory: push a registration from `tablet` (a new tablet by default)."""

    def make(tablet=None, **payload):
        tablet = tablet or tablet_for()
        payload.setdefault("id_number", NIK)
        payload.setdefault("phone", PHONE)
        event = tablet.registration(**payload)
        push(client, tablet, event)
        return tablet, event["visit_id"]

    return make


def test_returning_guest_gets_the_fields_of_the_latest_visit(client, db, registered):
    tablet, first = registered(name="Siti Aminah", institution="CV Lama", address="Jl. Tanjungpura 1")
    _, latest = registered(tablet, name="Siti Aminah, S.E.", institution="CV Maju Bersama",
                           address="Jl. Ahmad Yani 2, Pontianak")
    response = lookup(client, tablet, "6171 0145 0690 0001")  # typed in groups
    assert response.status_code == 200
    body = response.get_json()
    assert body["found"] is True
    assert body["guest"] == {"id_type": "ktp", "name": "Siti Aminah, S.E.", "institution": "CV Maju Bersama",
                             "address": "Jl. Ahmad Yani 2, Pontianak"}
    text = response.get_data(as_text=True)
    assert NIK not in text and PHONE not in text  # the phone stays on the server
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "guest.lookup")).all()
    assert [(a.target_type, a.target_id, a.device_id) for a in audit] == [("visit", latest, tablet.device.id)]
    assert NIK not in str(audit[0].detail)


def test_guest_registered_at_the_other_tablet_of_the_office_is_found(client, registered, tablet_for):
    tablet_a, _ = registered(name="Budi Santoso")
    tablet_b = tablet_for(tablet_a.device.office)
    body = lookup(client, tablet_b, NIK).get_json()
    assert body["found"] is True and body["guest"]["name"] == "Budi Santoso"


def test_correction_made_at_the_desk_is_what_the_guest_gets(client, registered):
    tablet, visit_id = registered(name="Budi Santos")
    push(client, tablet, tablet.event(visit_id, "correction", {"fields": {"name": "Budi Santoso"}}))
    assert lookup(client, tablet, NIK).get_json()["guest"]["name"] == "Budi Santoso"


def test_unknown_nik_is_an_ordinary_not_found(client, db, registered):
    tablet, _ = registered()
    response = lookup(client, tablet, OTHER_NIK)
    assert response.status_code == 200
    assert response.get_json()["found"] is False and "guest" not in response.get_json()
    assert db.session.scalars(select(AuditLog).where(AuditLog.action == "guest.lookup")).all() == []


def test_guest_of_another_office_is_never_found(client, registered, tablet_for, make_office):
    registered(name="Tamu Kantor Lain")
    mine = tablet_for(make_office())
    body = lookup(client, mine, NIK).get_json()
    assert body["found"] is False and "guest" not in body


def test_same_nik_at_two_offices_gives_each_office_its_own_visit(client, registered):
    tablet_a, _ = registered(name="Tamu di Kantor A")
    tablet_b, _ = registered(name="Tamu di Kantor B")
    assert tablet_a.device.office_id != tablet_b.device.office_id
    assert lookup(client, tablet_a, NIK).get_json()["guest"]["name"] == "Tamu di Kantor A"
    assert lookup(client, tablet_b, NIK).get_json()["guest"]["name"] == "Tamu di Kantor B"


def test_purged_visit_is_not_found(client, db, registered):
    tablet, visit_id = registered()
    purge_visit(db.session.get(Visit, visit_id))
    db.session.commit()
    assert lookup(client, tablet, NIK).get_json()["found"] is False


def test_visit_past_retention_is_not_found_even_before_the_nightly_purge(client, db, registered):
    tablet, visit_id = registered()
    office = tablet.device.office
    office.retention_days = 30
    visit = db.session.get(Visit, visit_id)
    visit.registered_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert lookup(client, tablet, NIK).get_json()["found"] is False
    run_retention()
    assert db.session.get(Visit, visit_id).purged_at is not None
    assert lookup(client, tablet, NIK).get_json()["found"] is False


BAD_NIKS = {
    "short": "617101450690",
    "long": "61710145069000011",
    "letter": "6171O14506900001",
    "province": "9971014506900001",
    "date": "6171017102900002",  # day 71 - 40 = 31 February
    "serial": "6171014506900000",
    "empty": "",
    "number": 6171014506900001,
    "huge": "6" * 5000,
}


@pytest.mark.parametrize("case", sorted(BAD_NIKS))
def test_bad_nik_is_refused_with_the_field_named_and_not_repeated(client, tablet_for, case):
    tablet = tablet_for()
    response = lookup(client, tablet, BAD_NIKS[case])
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_request" and "id_number" in error["fields"]
    if str(BAD_NIKS[case]):
        assert str(BAD_NIKS[case]) not in response.get_data(as_text=True)


@pytest.mark.parametrize("body, field", [
    ({"protocol": 1, "id_type": "sim", "id_number": NIK}, "id_type"),
    ({"protocol": 1}, "id_number"),
    ({"protocol": 1, "id_number": None}, "id_number"),
    ({"protocol": 2, "id_number": NIK}, "protocol"),
])
def test_wrong_request_shape_is_refused_with_the_field_named(client, tablet_for, body, field):
    response = client.post("/api/v1/guests/lookup", json=body, headers=tablet_for().headers)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]


def test_lookup_needs_the_protocol_header_and_a_supported_version(client, tablet_for):
    tablet = tablet_for()
    body = {"id_number": NIK}
    no_header = client.post("/api/v1/guests/lookup", json=body, headers={"Authorization": f"Bearer {tablet.token}"})
    assert no_header.status_code == 400 and "X-Sitamu-Protocol" in no_header.get_json()["error"]["fields"]
    future = client.post("/api/v1/guests/lookup", json=body,
                         headers={**tablet.headers, "X-Sitamu-Protocol": "9"})
    assert future.status_code == 426 and future.get_json()["error"]["code"] == "upgrade_required"


def test_lookup_without_a_live_token_is_unauthorized(client, db, registered, make_user):
    tablet, _ = registered()
    anonymous = client.post("/api/v1/guests/lookup", json={"protocol": 1, "id_number": NIK}, headers=PROTO)
    assert anonymous.status_code == 401
    made_up = lookup(client, Tablet("x" * 43), NIK)
    assert made_up.status_code == 401
    revoke_device(tablet.device, make_user("office_admin", office=tablet.device.office))
    revoked = lookup(client, tablet, NIK)
    assert revoked.status_code == 401 and revoked.get_json()["error"]["code"] == "unauthorized"
    assert "Siti" not in revoked.get_data(as_text=True)


def test_nik_is_never_in_the_url(client, tablet_for):
    tablet = tablet_for()
    response = client.get(f"/api/v1/guests/lookup?id_number={NIK}", headers=tablet.headers)
    assert response.status_code == 405
    assert NIK not in response.get_data(as_text=True)


def test_operation_is_callable_without_http(db, registered):
    tablet, _ = registered(name="Dewi Lestari", institution="Dinas Kesehatan")
    guest = find_returning_guest(tablet.device, NIK)
    assert guest == {"id_type": "ktp", "name": "Dewi Lestari", "institution": "Dinas Kesehatan", "address": ""}
    assert find_returning_guest(tablet.device, OTHER_NIK) is None
