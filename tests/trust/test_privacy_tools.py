"""Admin privacy tools: find a guest by NIK, export, correct, erase; each audited, scoped."""
import base64
import hashlib
import json

import pytest
from sqlalchemy import select

from server.extensions import db as _db
from server.models import AuditLog, ChangeLog, Visit, VisitEvent

NIK = "6171014508900003"
OTHER_NIK = "3273010101850002"
PNG = b"\x89PNG\r\n\x1a\n" + b"face" * 20


def _push(client, tablet, *events):
    response = client.post("/api/v1/push", json={"protocol": 1, "events": list(events)},
                           headers=tablet.headers)
    assert response.status_code == 200, response.data
    assert len(response.get_json()["ack"]["stored"]) == len(events)


@pytest.fixture
def two_offices(client, make_office, tablet_for):
    """Office A with two visits of the same guest (one with a photo), office B with one."""
    a, b = make_office(), make_office()
    ta, tb = tablet_for(a), tablet_for(b)
    sha = hashlib.sha256(PNG).hexdigest()
    put = client.put(f"/api/v1/blobs/{sha}?kind=photo", data=PNG,
                     headers={**ta.headers, "Content-Type": "image/png"})
    assert put.status_code == 201, put.data
    first = ta.registration(id_number=NIK, phone="081234567890", photo_sha=sha,
                            consent_version="2026-01", consent_at="2026-11-23T01:00:00.000Z")
    second = ta.registration(id_number=NIK, phone="081234567890")
    stranger = ta.registration(id_number=OTHER_NIK, name="Orang Lain")
    _push(client, ta, first, second, stranger)
    in_b = tb.registration(id_number=NIK, phone="081234567890")
    _push(client, tb, in_b)
    return {"a": a, "b": b, "a_visits": {first["visit_id"], second["visit_id"]},
            "b_visit": in_b["visit_id"], "stranger": stranger["visit_id"], "photo": sha}


def _search(client, nik):
    return client.post("/admin/privacy/search", data={"nik": nik})


def _visit_ids(html: str) -> set[str]:
    import re
    return set(re.findall(r'data-visit="([0-9a-f-]{36})"', html))


def test_office_admin_finds_a_guest_by_nik_only_in_their_office(client, login, make_user, two_offices):
    login(make_user("office_admin", two_offices["a"]))
    response = _search(client, "6171 0145 0890 0003")  # typed with spaces
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _visit_ids(html) == two_offices["a_visits"]
    assert NIK not in html and "•••• •••• •••• 0003" in html  # only masked, input cleared
    assert response.headers["Cache-Control"] == "no-store"
    entry = _db.session.scalars(select(AuditLog).where(AuditLog.action == "privacy.search")).one()
    assert entry.detail == {"matches": 2} and NIK not in json.dumps(entry.detail)


def test_central_admin_finds_the_guest_in_every_office(client, login, make_user, two_offices):
    login(make_user("central_admin"))
    html = _search(client, NIK).get_data(as_text=True)
    assert _visit_ids(html) == two_offices["a_visits"] | {two_offices["b_visit"]}


@pytest.mark.parametrize("nik, message", [
    ("12345", "16 angka"), ("9971014508900003", "provinsi"), ("6171013208900003", "Tanggal"),
    ("6171014508900000", "0000"), ("61710145089000O3", "angka"),
])
def test_invalid_nik_is_refused_with_the_reason(client, login, make_user, nik, message):
    login(make_user("office_admin"))
    response = _search(client, nik)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["receptionist", "security", "supervisor", "host"])
def test_only_admins_may_use_the_privacy_tools(client, login, make_user, role, two_offices):
    login(make_user(role, two_offices["a"]))
    assert client.get("/admin/privacy/").status_code == 403
    assert _search(client, NIK).status_code == 403
    visit_id = sorted(two_offices["a_visits"])[0]
    assert client.post("/admin/privacy/export", data={"visit_ids-0": visit_id}).status_code == 403
    assert client.post("/admin/privacy/erase", data={"visit_ids-0": visit_id, "confirm": "y"}).status_code == 403
    assert client.get(f"/admin/privacy/visits/{visit_id}/correct").status_code == 403


def test_export_gives_the_guest_everything_held_and_is_audited(client, login, make_user, two_offices):
    login(make_user("office_admin", two_offices["a"]))
    ids = sorted(two_offices["a_visits"])
    response = client.post("/admin/privacy/export", data={"visit_ids-0": ids[0], "visit_ids-1": ids[1]})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    document = json.loads(response.data)
    visits = {v["visit_id"]: v for v in document["visits"]}
    assert set(visits) == set(ids)
    with_photo = next(v for v in visits.values() if v["photo"])
    assert with_photo["guest"]["id_number"] == NIK and with_photo["guest"]["phone"] == "081234567890"
    assert with_photo["consent"] == {"version": "2026-01", "at": "2026-11-23T01:00:00Z"}  # kept per visit
    assert base64.b64decode(with_photo["photo"]["base64"]) == PNG
    registration = next(e for e in with_photo["events"] if e["kind"] == "registration")
    assert registration["payload"]["id_number"] == NIK  # unsealed for the guest's copy
    audited = _db.session.scalars(select(AuditLog.target_id).where(AuditLog.action == "privacy.export")).all()
    assert sorted(audited) == ids


def test_export_of_another_office_visit_is_forbidden(client, login, make_user, two_offices):
    login(make_user("office_admin", two_offices["a"]))
    response = client.post("/admin/privacy/export", data={"visit_ids-0": two_offices["b_visit"]})
    assert response.status_code == 403
    assert not _db.session.scalars(select(AuditLog).where(AuditLog.action == "privacy.export")).all()


def test_correction_goes_through_an_event_and_reaches_the_visit(client, login, make_user, two_offices):
    admin = make_user("office_admin", two_offices["a"])
    login(admin)
    visit_id = sorted(two_offices["a_visits"])[0]
    page = client.get(f"/admin/privacy/visits/{visit_id}/correct")
    assert page.status_code == 200 and NIK not in page.get_data(as_text=True)
    response = client.post(f"/admin/privacy/visits/{visit_id}/correct", data={
        "name": "Siti Aminah Putri", "id_number": "", "phone": "0813 1111 2222",
        "institution": "", "address": "", "purpose": "Koordinasi"})
    assert response.status_code == 302, response.data[:400]
    _db.session.expire_all()
    visit = _db.session.get(Visit, visit_id)
    assert visit.name == "Siti Aminah Putri" and visit.phone == "0813 1111 2222"
    assert visit.id_number == NIK, "a blank NIK field keeps the NIK"
    event = _db.session.scalars(select(VisitEvent).where(VisitEvent.visit_id == visit_id,
                                                         VisitEvent.kind == "correction")).one()
    assert event.actor == f"staff:{admin.id}"
    assert "0813" not in json.dumps(event.payload), "the phone is sealed inside the event"
    entry = _db.session.scalars(select(AuditLog).where(AuditLog.action == "privacy.correct")).one()
    assert entry.detail == {"fields": ["name", "phone"]}


def test_correction_with_an_invalid_nik_changes_nothing(client, login, make_user, two_offices):
    login(make_user("office_admin", two_offices["a"]))
    visit_id = sorted(two_offices["a_visits"])[0]
    response = client.post(f"/admin/privacy/visits/{visit_id}/correct", data={
        "name": "X", "id_number": "6171019908900003"})
    assert response.status_code == 400
    _db.session.expire_all()
    assert _db.session.get(Visit, visit_id).name == "Siti Aminah"
    assert not _db.session.scalars(select(VisitEvent).where(VisitEvent.kind == "correction")).all()


def test_erase_removes_the_guest_and_tells_the_tablets(client, login, make_user, two_offices):
    login(make_user("office_admin", two_offices["a"]))
    ids = sorted(two_offices["a_visits"])
    refused = client.post("/admin/privacy/erase", data={"visit_ids-0": ids[0], "visit_ids-1": ids[1]})
    assert refused.status_code == 302
    assert _db.session.get(Visit, ids[0]).purged_at is None, "no confirmation, nothing erased"
    response = client.post("/admin/privacy/erase", data={
        "visit_ids-0": ids[0], "visit_ids-1": ids[1], "confirm": "y", "reference": "PDP/2026/017"})
    assert response.status_code == 302
    _db.session.expire_all()
    for visit_id in ids:
        visit = _db.session.get(Visit, visit_id)
        assert visit.purged_at is not None and visit.id_number is None and visit.name == ""
        ops = _db.session.scalars(select(ChangeLog.op).where(ChangeLog.entity_id == visit_id)
                                  .order_by(ChangeLog.id)).all()
        assert ops[-1] == "delete"
    assert _db.session.get(Visit, two_offices["b_visit"]).id_number == NIK, "office B untouched"
    assert _db.session.get(Visit, two_offices["stranger"]).purged_at is None
    html = _search(client, NIK).get_data(as_text=True)
    assert _visit_ids(html) == set()
    audits = _db.session.scalars(select(AuditLog).where(AuditLog.action == "privacy.erase")).all()
    assert sorted(a.target_id for a in audits) == ids
    assert all(a.detail == {"reference": "PDP/2026/017"} for a in audits)
    from server.models import Attachment
    assert _db.session.get(Attachment, two_offices["photo"]) is None
