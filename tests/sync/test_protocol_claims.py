"""sync/PROTOCOL.md read as a client developer reads it: each test is one sentence of the
document, checked against the running API."""
import hashlib
import io
import json
import os
import uuid

import pytest

from .test_pull import pull_until


def push_raw(client, tablet, body):
    # The standard library's encoder: a body as deep as the test needs, exactly as written.
    return client.post("/api/v1/push", data=json.dumps(body),
                       headers={**tablet.headers, "Content-Type": "application/json"})


def levels(value) -> int:
    """Count nesting levels as the protocol does: the body itself is level 1."""
    if isinstance(value, dict):
        return 1 + max((levels(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((levels(v) for v in value), default=0)
    return 0


def correction_nested(tablet, depth: int) -> dict:
    """Return a push body `depth` levels deep (body, events, event, payload, fields, ...)."""
    inner = "x"
    for _ in range(depth - 5):
        inner = {"a": inner}
    event = tablet.event(str(uuid.uuid4()), "correction", {"fields": {"name": inner}})
    return {"protocol": 1, "events": [event]}


# --- "Common rules" ------------------------------------------------------------------------

@pytest.mark.parametrize("depth, refused", [(32, False), (33, True)])
def test_a_body_nested_deeper_than_32_levels_is_refused_as_invalid_json(client, tablet_for, depth, refused):
    tablet = tablet_for()
    body = correction_nested(tablet, depth)
    assert levels(body) == depth
    response = push_raw(client, tablet, body)
    if refused:
        assert response.status_code == 400 and response.json["error"]["code"] == "invalid_json"
        path, why = next(iter(response.json["error"]["fields"].items()))
        assert path.startswith("events.0.payload.fields.name.a") and why == "nested deeper than 32 levels"
    else:
        # Inside the limit: parsed, and the record (a correction whose name is not text) is
        # quarantined with the rest of the batch going on.
        assert response.status_code == 200, response.json
        assert [q["id"] for q in response.json["ack"]["quarantined"]] == [body["events"][0]["id"]]


@pytest.mark.parametrize("value", ["1", True, 2, None, [1]])
def test_a_protocol_in_the_body_that_does_not_agree_with_the_header_is_400(client, tablet_for, value):
    tablet = tablet_for()
    response = client.post("/api/v1/push", json={"protocol": value, "events": []}, headers=tablet.headers)
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"protocol": "must match X-Sitamu-Protocol"}


# --- "Events" ------------------------------------------------------------------------------

def test_an_unknown_field_of_an_event_is_refused_whatever_its_name(client, tablet_for):
    tablet = tablet_for()
    event = dict(tablet.registration(), device="A")
    response = client.post("/api/v1/push", json={"protocol": 1, "events": [event]}, headers=tablet.headers)
    assert response.json["ack"]["quarantined"] == [{"id": event["id"], "fields": {"device": "unknown field"}}]


@pytest.mark.parametrize("kind, payload, field", [
    ("registration", {"queue_number": "A\r\n001"}, "payload.queue_number"),
    ("registration", {"name": "Siti\u2028Aminah"}, "payload.name"),
    ("correction", {"fields": {"name": "Siti\nAminah"}}, "payload.fields.name"),
    ("correction", {"fields": {"phone": "0812\x1f"}}, "payload.fields.phone"),
    ("card_issued", {"card_number": "7\x85"}, "payload.card_number"),
    ("locker", {"locker_number": "3\t"}, "payload.locker_number"),
])
def test_a_line_break_in_a_one_line_field_quarantines_the_event_naming_the_field(
        client, tablet_for, kind, payload, field):
    tablet = tablet_for()
    visit_id = str(uuid.uuid4())
    if kind == "registration":
        event = tablet.registration(visit_id, **payload)
    else:
        event = tablet.event(visit_id, kind, payload)
    response = client.post("/api/v1/push", json={"protocol": 1, "events": [event]}, headers=tablet.headers)
    assert response.json["ack"]["quarantined"] == [
        {"id": event["id"], "fields": {field: "must be one line, without control characters"}}]


def test_a_nul_character_anywhere_refuses_the_whole_push_as_invalid_json(client, tablet_for):
    # PostgreSQL text cannot hold U+0000: such a body is refused as it is read, not quarantined.
    tablet = tablet_for()
    event = tablet.registration(name="Siti\x00")
    response = client.post("/api/v1/push", json={"protocol": 1, "events": [event]}, headers=tablet.headers)
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_json"
    assert response.json["error"]["fields"] == {"body": "no \\u0000 allowed"}


def test_a_correction_names_each_field_it_may_not_change(client, tablet_for):
    tablet = tablet_for()
    event = tablet.event(str(uuid.uuid4()), "correction", {"fields": {"name": "Siti", "queue_number": "B002"}})
    response = client.post("/api/v1/push", json={"protocol": 1, "events": [event]}, headers=tablet.headers)
    assert response.json["ack"]["quarantined"] == [
        {"id": event["id"], "fields": {"payload.fields.queue_number": "cannot be corrected"}}]


# --- "Push" --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["events", "surveys"])
@pytest.mark.parametrize("value", [{}, {"a": 1}, "", "x", 0, False])
def test_events_or_surveys_that_are_not_lists_refuse_the_whole_push(client, tablet_for, name, value):
    tablet = tablet_for()
    body = {"protocol": 1, "events": [], "surveys": [], name: value}
    response = client.post("/api/v1/push", json=body, headers=tablet.headers)
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "invalid_request"
    assert response.json["error"]["fields"] == {name: "must be a list"}


# --- "Blobs" -------------------------------------------------------------------------------

def test_a_part_without_content_length_is_411(client, tablet_for):
    tablet = tablet_for()
    data = b"\xff\xd8\xff\xe0" + os.urandom(300)
    sha = hashlib.sha256(data).hexdigest()
    response = client.put(f"/api/v1/blobs/{sha}?kind=photo", input_stream=io.BytesIO(data),
                          headers={**tablet.headers, "Content-Type": "image/jpeg", "Transfer-Encoding": "chunked",
                                   "Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"})
    assert response.status_code == 411 and response.json["error"]["code"] == "length_required"


# --- "Pull" --------------------------------------------------------------------------------

@pytest.mark.parametrize("cursor", ["garbage", "c." + "9" * 300, "x" * 201])
def test_an_unreadable_cursor_of_any_length_answers_reset(client, tablet_for, cursor):
    tablet = tablet_for()
    response = client.get("/api/v1/pull", query_string={"cursor": cursor}, headers=tablet.headers)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["reset"] is True and body["cursor"] == "" and body["changes"] == []
    assert client.get("/api/v1/pull", query_string={"cursor": ""}, headers=tablet.headers).json["reset"] is False



# --- statements the document now makes about what the server already did -----------------

@pytest.mark.parametrize("kind, payload", [
    ("host_notified", {"channel": "in_person"}),
    ("host_received", {"by": "Ajudan"}),
    ("screening", {"result": "refused", "note": "Membawa senjata tajam"}),
])
def test_the_optional_payload_fields_in_the_event_table_are_accepted(client, tablet_for, kind, payload):
    tablet = tablet_for()
    reg = tablet.registration()
    event = tablet.event(reg["visit_id"], kind, payload)
    response = client.post("/api/v1/push", json={"protocol": 1, "events": [reg, event]}, headers=tablet.headers)
    assert sorted(response.json["ack"]["stored"]) == sorted([reg["id"], event["id"]])


def test_the_openapi_document_is_served_as_it_is_with_the_clock_in_its_header(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.headers["X-Server-Time"].endswith("Z")
    assert response.json["openapi"].startswith("3.") and "server_time" not in response.json


def test_a_pending_booking_reaches_a_desk_only_as_a_tombstone(client, db, tablet_for):
    from datetime import date

    from server.models import Appointment

    tablet = tablet_for()
    cursor = ""
    while True:
        body = client.get("/api/v1/pull", query_string={"cursor": cursor}, headers=tablet.headers).json
        cursor = body["cursor"]
        if not body["more"]:
            break
    booking = Appointment(id=str(uuid.uuid4()), office_id=tablet.device.office_id, date=date.today(),
                          time="09:00", status="pending", name="Siti Aminah", token_hash=uuid.uuid4().hex)
    db.session.add(booking)
    db.session.commit()
    # On PostgreSQL a change is handed out once every older transaction of the cluster ended.
    changes, _ = pull_until(client, tablet, cursor, lambda changes: changes)
    assert changes == [{"entity": "appointment", "id": booking.id, "op": "delete"}]
    snapshot = client.get("/api/v1/pull", query_string={"cursor": ""}, headers=tablet.headers).json["changes"]
    assert booking.id not in {c["id"] for c in snapshot if c["entity"] == "appointment"}
