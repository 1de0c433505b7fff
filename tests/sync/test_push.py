"""Push over the real app: idempotency, acknowledgements, quarantine, errors."""
import gzip
import json
import uuid

import pytest
from sqlalchemy import func, select, text

from server.api.operations import revoke_device
from server.models import Device, Quarantine, Visit, VisitEvent
from sync.rules import content_hash

from .conftest import PROTO


def push(client, tablet, events, surveys=None, **extra):
    body = {"protocol": 1, "events": events, "surveys": surveys or [], **extra}
    return client.post("/api/v1/push", json=body, headers=tablet.headers)


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_push_stores_events_and_derives_the_visit(client, db, tablet_for, make_host):
    tablet = tablet_for()
    host = make_host(tablet.device.office)
    reg = tablet.registration(host_id=host.id)
    verify = tablet.event(reg["visit_id"], "verification", {"ok": True})
    response = push(client, tablet, [reg, verify])
    assert response.status_code == 200, response.json
    body = response.json
    assert sorted(body["ack"]["stored"]) == sorted([reg["id"], verify["id"]])
    assert body["acked_seq"] == 2 and body["highest_seq"] == 2
    assert response.headers["X-Server-Time"] and body["server_time"].endswith("Z")
    visit = db.session.get(Visit, reg["visit_id"])
    assert visit.stage == "verified" and visit.name == "Siti Aminah" and visit.host_id == host.id
    assert visit.id_number == "6171014506900001" and visit.nik_hash


def test_duplicate_push_is_acknowledged_once(client, db, tablet_for):
    tablet = tablet_for()
    events = [tablet.registration(), tablet.event(str(uuid.uuid4()), "waiting")]
    first = push(client, tablet, events).json
    again = push(client, tablet, events).json
    assert sorted(first["ack"]["stored"]) == sorted(e["id"] for e in events)
    assert again["ack"]["stored"] == [] and sorted(again["ack"]["duplicate"]) == sorted(e["id"] for e in events)
    assert again["acked_seq"] == 2
    assert count(db, VisitEvent) == 2


def test_same_id_different_content_is_a_reported_conflict_never_an_overwrite(client, db, tablet_for):
    tablet = tablet_for()
    reg = tablet.registration()
    changed = dict(reg, payload=dict(reg["payload"], name="Orang Lain"))
    # The stored version has the smaller content hash: the smaller one would win (test_server_rules).
    if content_hash(changed) < content_hash(reg):
        reg, changed = changed, reg
    push(client, tablet, [reg])
    body = push(client, tablet, [changed]).json
    assert [c["id"] for c in body["ack"]["conflict"]] == [reg["id"]]
    assert db.session.get(Visit, reg["visit_id"]).name == reg["payload"]["name"]
    item = db.session.scalar(select(Quarantine))
    assert item.record_id == reg["id"] and item.status == "open"


def test_poison_event_in_the_middle_of_a_batch_is_quarantined_and_the_rest_stored(client, db, tablet_for):
    tablet = tablet_for()
    good1 = tablet.registration()
    poison = tablet.registration(host_id=987654)  # no such host in this office
    bad_type = tablet.event(good1["visit_id"], "locker", {"locker_number": 12})
    good2 = tablet.event(good1["visit_id"], "host_notified", {"channel": "phone"})
    body = push(client, tablet, [good1, poison, bad_type, good2]).json
    assert sorted(body["ack"]["stored"]) == sorted([good1["id"], good2["id"]])
    refused = {q["id"]: q["fields"] for q in body["ack"]["quarantined"]}
    assert "payload.host_id" in refused[poison["id"]]
    assert "payload.locker_number" in refused[bad_type["id"]]
    # Quarantined events count as received: the tablet's queue does not stall on them.
    assert body["acked_seq"] == 4
    assert db.session.get(Visit, good1["visit_id"]).stage == "host_notified"
    assert count(db, Quarantine) == 2


def test_quarantined_registration_keeps_the_nik_encrypted(client, db, tablet_for):
    tablet = tablet_for()
    push(client, tablet, [tablet.registration(host_id=424242)])
    with db.engine.connect() as conn:
        raw = conn.execute(text("SELECT payload FROM quarantine")).scalar()
        assert "6171014506900001" not in str(raw)


def test_nik_and_phone_are_not_stored_in_plain_text(client, db, tablet_for):
    tablet = tablet_for()
    push(client, tablet, [tablet.registration()])
    with db.engine.connect() as conn:
        for sql in ("SELECT payload FROM visit_event", "SELECT id_number, phone, state FROM visit"):
            row = str(conn.execute(text(sql)).all())
            assert "6171014506900001" not in row and "081234567890" not in row


def test_events_of_one_visit_out_of_order_from_two_tablets_give_one_visit(client, db, tablet_for, make_office):
    office = make_office()
    front, security = tablet_for(office), tablet_for(office)
    reg = front.registration()
    visit_id = reg["visit_id"]
    notified = front.event(visit_id, "host_notified", {"channel": "phone"})
    card = security.event(visit_id, "card_issued", {"card_number": "T-07", "ktp_held": True})
    out = security.event(visit_id, "checked_out", {"card_returned": True})
    push(client, security, [out])
    push(client, security, [card])
    assert db.session.get(Visit, visit_id).stage == "checked_out"
    push(client, front, [notified])
    push(client, front, [reg])
    db.session.expire_all()
    visit = db.session.get(Visit, visit_id)
    assert visit.stage == "checked_out" and visit.name == "Siti Aminah" and visit.card_number == "T-07"
    assert visit.event_count == 4 and visit.device_id == front.device.id


def test_acked_seq_stops_at_a_gap_until_it_is_filled(client, db, tablet_for):
    tablet = tablet_for()
    e1, e2, e3 = (tablet.registration() for _ in range(3))
    assert push(client, tablet, [e1, e3]).json["acked_seq"] == 1
    body = push(client, tablet, [e2]).json
    assert body["acked_seq"] == 3 and body["highest_seq"] == 3
    device = db.session.get(Device, tablet.device.id)
    assert device.acked_seq == 3 and device.last_push_at is not None


def test_revoked_token_gets_401(client, db, tablet_for):
    tablet = tablet_for()
    assert push(client, tablet, [tablet.registration()]).status_code == 200
    revoke_device(db.session.get(Device, tablet.device.id), None)
    response = push(client, tablet, [tablet.registration()])
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"


def test_token_of_office_a_pushing_for_office_b_is_forbidden(client, db, tablet_for):
    a, b = tablet_for(), tablet_for()
    reg_b = b.registration()
    push(client, b, [reg_b])
    response = push(client, a, [a.registration(), a.event(reg_b["visit_id"], "checked_out")])
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    response = push(client, a, [a.registration()], office=b.device.office.code)
    assert response.status_code == 403
    assert count(db, VisitEvent) == 1  # nothing of A's refused batches was stored


@pytest.mark.parametrize("body, status, code", [
    (b"{not json", 400, "invalid_json"),
    (b"[1, 2]", 400, "invalid_request"),
    (json.dumps({"protocol": 1, "events": {"a": 1}}).encode(), 400, "invalid_request"),
    (json.dumps({"protocol": 1, "events": [], "surveys": "x"}).encode(), 400, "invalid_request"),
    (json.dumps({"protocol": 1, "events": [], "office": 5}).encode(), 400, "invalid_request"),
])
def test_malformed_push_gets_400_with_the_envelope(client, tablet_for, body, status, code):
    tablet = tablet_for()
    response = client.post("/api/v1/push", data=body, headers={**tablet.headers, "Content-Type": "application/json"})
    assert response.status_code == status
    assert response.json["error"]["code"] == code


def test_wrong_types_inside_events_are_quarantined_per_event(client, tablet_for):
    tablet = tablet_for()
    body = push(client, tablet, [{"id": 5, "seq": "x"}, "nonsense", tablet.registration()]).json
    assert len(body["ack"]["stored"]) == 1 and len(body["ack"]["quarantined"]) == 2


def test_oversize_batch_gets_413(client, db, tablet_for):
    tablet = tablet_for()
    events = [tablet.registration() for _ in range(501)]
    response = push(client, tablet, events)
    assert response.status_code == 413 and response.json["error"]["code"] == "too_large"
    assert count(db, VisitEvent) == 0


@pytest.mark.parametrize("headers, body_protocol, status", [
    ({"X-Sitamu-Protocol": "99"}, None, 426),
    ({"X-Sitamu-Protocol": "2"}, 2, 426),
    ({}, 1, 400),                           # the header is required
    ({"X-Sitamu-Protocol": "abc"}, None, 400),
    ({"X-Sitamu-Protocol": "1"}, 2, 400),   # body and header disagree
])
def test_unknown_protocol_version_gets_426_and_a_missing_one_400(client, db, tablet_for, headers,
                                                                 body_protocol, status):
    tablet = tablet_for()
    body = {"events": [tablet.registration()]}
    if body_protocol:
        body["protocol"] = body_protocol
    response = client.post("/api/v1/push", json=body,
                           headers={"Authorization": f"Bearer {tablet.token}", **headers})
    assert response.status_code == status
    assert response.json["error"]["code"] == ("upgrade_required" if status == 426 else "invalid_request")
    assert count(db, VisitEvent) == 0


def test_gzip_both_ways(client, db, tablet_for):
    tablet = tablet_for()
    events = [tablet.registration() for _ in range(20)]
    raw = gzip.compress(json.dumps({"protocol": 1, "events": events}).encode())
    response = client.post("/api/v1/push", data=raw, headers={
        **tablet.headers, "Content-Type": "application/json", "Content-Encoding": "gzip",
        "Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    body = json.loads(gzip.decompress(response.data))
    assert len(body["ack"]["stored"]) == 20


def test_cut_off_gzip_body_is_refused_and_nothing_stored(client, db, tablet_for):
    tablet = tablet_for()
    raw = gzip.compress(json.dumps({"protocol": 1, "events": [tablet.registration()]}).encode())
    response = client.post("/api/v1/push", data=raw[: len(raw) // 2], headers={
        **tablet.headers, "Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_request"
    assert count(db, VisitEvent) == 0


def test_skewed_clock_is_flagged_and_corrected(client, db, tablet_for):
    tablet = tablet_for()
    reg = tablet.registration()
    reg["clock_offset_ms"] = 600_000  # the tablet clock runs 10 minutes fast
    push(client, tablet, [reg])
    event = db.session.get(VisitEvent, reg["id"])
    assert event.skew_flagged
    assert (event.device_time - event.corrected_time).total_seconds() == 600
    assert db.session.get(Device, tablet.device.id).clock_skew_ms == 600_000


def test_survey_response_is_stored_once_per_visit(client, db, tablet_for):
    tablet = tablet_for()
    reg = tablet.registration()
    survey = {"id": str(uuid.uuid4()), "visit_id": reg["visit_id"], "submitted_at": reg["device_time"],
              "source": "kiosk", "answers": {"persyaratan": 4, "prosedur": 3, "waktu": None},
              "profile": {"gender": "P", "age_band": "30-39"}}
    body = push(client, tablet, [reg], [survey]).json
    assert survey["id"] in body["ack"]["stored"]
    assert push(client, tablet, [], [survey]).json["ack"]["duplicate"] == [survey["id"]]
    second = dict(survey, id=str(uuid.uuid4()))
    body = push(client, tablet, [], [second]).json
    assert [c["id"] for c in body["ack"]["conflict"]] == [second["id"]]
    bad = dict(survey, id=str(uuid.uuid4()), visit_id=None, answers={"persyaratan": 5})
    body = push(client, tablet, [], [bad]).json
    assert "answers.persyaratan" in body["ack"]["quarantined"][0]["fields"]


def test_enrolment_code_is_single_use(client, db, make_office, make_user):
    from server.api.operations import create_enrollment_code

    office = make_office()
    code, expires = create_enrollment_code(office, make_user("office_admin", office=office), "Meja 1")
    body = {"protocol": 1, "code": code.lower().replace("-", ""), "device_name": "Meja 1"}
    response = client.post("/api/v1/enroll", json=body, headers=PROTO)
    assert response.status_code == 201, response.json
    token = response.json["token"]
    assert len(token) >= 43 and response.json["device"]["letter"] == "A"
    assert response.json["device"]["office"]["code"] == office.code
    assert db.session.scalar(select(Device.token_hash)) != token
    again = client.post("/api/v1/enroll", json=body, headers=PROTO)
    assert again.status_code == 400 and again.json["error"]["fields"] == {"code": "wrong, used or expired"}


def test_enrolment_of_an_old_app_gets_426(client, db):
    response = client.post("/api/v1/enroll", json={"code": "AAA-BBB-CCC"}, headers={"X-Sitamu-Protocol": "0"})
    assert response.status_code == 426


def test_api_errors_always_use_the_envelope(client, db, tablet_for):
    tablet = tablet_for()
    for response in (client.get("/api/v1/nope", headers=PROTO), client.delete("/api/v1/push", headers=PROTO),
                     client.get("/api/v1/pull?limit=0", headers=tablet.headers),
                     client.get("/api/v1/pull?limit=x", headers=tablet.headers)):
        assert 400 <= response.status_code < 500
        assert set(response.json["error"]) == {"code", "message", "fields"}


def test_lone_surrogate_is_refused_but_an_escaped_emoji_is_stored(client, db, tablet_for):
    tablet = tablet_for()
    broken = tablet.registration(name="Siti \udba7")
    response = client.post("/api/v1/push", data=json.dumps({"protocol": 1, "events": [broken]}),
                           headers={**tablet.headers, "Content-Type": "application/json"})
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_json"
    emoji = tablet.registration(name="Siti \U0001F600")
    response = client.post("/api/v1/push", data=json.dumps({"protocol": 1, "events": [emoji]}),
                           headers={**tablet.headers, "Content-Type": "application/json"})
    assert response.json["ack"]["stored"] == [emoji["id"]]
    assert db.session.get(Visit, emoji["visit_id"]).name == "Siti \U0001F600"


def test_deeply_nested_json_is_a_400_not_a_crash(client, tablet_for):
    tablet = tablet_for()
    response = client.post("/api/v1/push", data=b"[" * 200_000 + b"]" * 200_000,
                           headers={**tablet.headers, "Content-Type": "application/json"})
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_json"


def test_tablet_reports_its_outbox_size(client, db, tablet_for):
    tablet = tablet_for()
    response = client.post("/api/v1/push", json={"protocol": 1, "events": [tablet.registration()]},
                           headers={**tablet.headers, "X-Sitamu-Pending": "41"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Device, tablet.device.id).pending_reported == 41
