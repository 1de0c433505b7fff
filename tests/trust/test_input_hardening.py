"""Input the database cannot hold is refused with a 400, never a 500 (on both engines)."""
import uuid

import pytest

NUL = "\x00"


def test_push_with_nan_or_infinity_is_refused_as_not_json(client, db, make_office, tablet_for):
    tablet = tablet_for(make_office())
    for constant in ("NaN", "Infinity", "-Infinity"):
        body = '{"protocol": 1, "events": [{"id": "%s", "seq": %s}]}' % (uuid.uuid4(), constant)
        response = client.post("/api/v1/push", data=body, headers={**tablet.headers,
                                                                    "Content-Type": "application/json"})
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "invalid_json"


def test_push_with_a_nul_character_is_refused_and_stores_nothing(client, db, make_office, make_host,
                                                                tablet_for):
    from server.models import Visit

    office = make_office()
    tablet = tablet_for(office)
    event = tablet.registration(host_id=make_host(office).id, name=f"Siti{NUL}Aminah")
    response = client.post("/api/v1/push", json={"protocol": 1, "events": [event]}, headers=tablet.headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"
    assert db.session.get(Visit, event["visit_id"]) is None


@pytest.mark.parametrize("path, data", [
    ("/login", {"username": f"admin{NUL}", "password": "x"}),
    ("/login?next=/admin/" + NUL, {"username": "admin", "password": "x"}),
])
def test_forms_with_a_nul_character_get_a_400(client, db, path, data):
    response = client.post(path, data=data)
    assert response.status_code == 400


def test_staff_form_with_a_nul_character_changes_nothing(client, db, login, make_user, make_host):
    from server.models import Host

    admin = make_user("office_admin")
    host = make_host(admin.office)
    login(admin)
    response = client.post(f"/admin/hosts/{host.id}", data={"name": f"Budi{NUL}", "position": "Kabag"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Host, host.id).name == "Drs. Budi Santoso"
