"""Sync rules an independent client found broken, on SQLite and PostgreSQL alike:
nothing acknowledged that was not stored, quarantine as idempotent as the rest, results that
do not depend on arrival order, bodies refused clearly, cursors the server never issued."""
import gzip
import json
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.models import Device, Quarantine, SurveyResponse, Visit, VisitEvent
from sync.rules import content_hash

from .test_pull import pull_until


def push(client, tablet, events, surveys=None):
    # The standard library's encoder: the bodies below are deeper than orjson writes.
    body = json.dumps({"protocol": 1, "events": events, "surveys": surveys or []})
    return client.post("/api/v1/push", data=body, headers={**tablet.headers, "Content-Type": "application/json"})


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def survey_for(visit_id, **overrides):
    survey = {"id": str(uuid.uuid4()), "visit_id": visit_id, "submitted_at": "2026-11-23T03:00:00.000Z",
              "source": "kiosk", "answers": {"persyaratan": 4, "prosedur": 3},
              "profile": {"gender": "P", "age_band": "30-39"}}
    survey.update(overrides)
    return survey


# --- request bodies ------------------------------------------------------------------------

def gzip_push(client, tablet, raw):
    return client.post("/api/v1/push", data=raw, headers={
        **tablet.headers, "Content-Type": "application/json", "Content-Encoding": "gzip"})


def test_gzip_body_followed_by_trailing_garbage_is_refused_and_nothing_stored(client, db, tablet_for):
    tablet = tablet_for()
    raw = gzip.compress(json.dumps({"protocol": 1, "events": [tablet.registration()]}).encode())
    response = gzip_push(client, tablet, raw + b"GARBAGE after the stream")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_request"
    assert response.json["error"]["fields"] == {"body": "trailing data after the gzip stream"}
    assert count(db, VisitEvent) == 0


def test_gzip_body_of_two_members_is_read_whole(client, db, tablet_for):
    tablet = tablet_for()
    text = json.dumps({"protocol": 1, "events": [tablet.registration()]}).encode()
    half = len(text) // 2
    response = gzip_push(client, tablet, gzip.compress(text[:half]) + gzip.compress(text[half:]))
    assert response.status_code == 200, response.json
    assert len(response.json["ack"]["stored"]) == 1


def nested(depth: int):
    value = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


def test_push_nested_260_levels_deep_is_refused_clearly_and_the_batch_can_go_again(client, db, tablet_for):
    tablet = tablet_for()
    good = tablet.registration()
    deep = tablet.registration(name=nested(260))
    response = push(client, tablet, [good, deep])
    assert response.status_code == 400, response.json
    error = response.json["error"]
    assert error["code"] == "invalid_json"
    [(path, why)] = error["fields"].items()
    assert path.startswith("events.1.payload.name.a.a") and why == "nested deeper than 32 levels"
    assert count(db, VisitEvent) == 0 and count(db, Quarantine) == 0
    # The tablet splits the batch: the good half is stored, the deep record is refused alone.
    assert push(client, tablet, [good]).json["ack"]["stored"] == [good["id"]]
    assert push(client, tablet, [deep]).status_code == 400


def test_record_nested_just_inside_the_limit_is_quarantined_not_a_500(client, db, tablet_for):
    tablet = tablet_for()
    deep = tablet.registration(name=nested(27))  # 32 levels with body, events, event and payload
    response = push(client, tablet, [deep])
    assert response.status_code == 200, response.json
    assert [q["id"] for q in response.json["ack"]["quarantined"]] == [deep["id"]]
    assert count(db, Quarantine) == 1


# --- pull cursors --------------------------------------------------------------------------

@pytest.mark.parametrize("cursor", [
    "c.0.9223372036854775808.{now}",          # 2^63: past BIGINT
    "c.9223372036854775808.0.{now}",
    "c.9223372036854775807.9223372036854775807.{now}",
    "s.0.9223372036854775808.x.{now}",
    "c.4611686018427387903.0.{now}",          # in range, but far past the change log
])
def test_pull_cursor_out_of_range_or_ahead_of_the_log_gets_reset(client, db, tablet_for, cursor):
    tablet = tablet_for()
    push(client, tablet, [tablet.registration()])
    response = client.get("/api/v1/pull", query_string={"cursor": cursor.format(now=int(time.time()))},
                          headers=tablet.headers)
    assert response.status_code == 200, response.json
    assert response.json["reset"] is True and response.json["cursor"] == "" and response.json["changes"] == []


def test_pull_cursor_ahead_of_this_databases_log_gets_reset(client, db, is_postgres, tablet_for):
    """A cursor kept from before a restore, or forged, would skip every change up to it."""
    from sqlalchemy import text

    tablet = tablet_for()
    push(client, tablet, [tablet.registration()])
    if is_postgres:
        xmax = db.session.scalar(text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint"))
        cursor = f"c.{xmax + 1000}.0.{int(time.time())}"
    else:
        from server.models import ChangeLog

        cursor = f"c.0.{db.session.scalar(select(func.max(ChangeLog.id))) + 1000}.{int(time.time())}"
    body = client.get("/api/v1/pull", query_string={"cursor": cursor}, headers=tablet.headers).json
    assert body["reset"] is True and body["cursor"] == ""


def test_pull_never_hands_out_a_cursor_it_would_refuse(client, db, tablet_for):
    from server.api.pull import parse_cursor

    tablet = tablet_for()
    push(client, tablet, [tablet.registration() for _ in range(3)])
    cursor, seen = "", []
    for _ in range(20):
        body = client.get("/api/v1/pull", query_string={"cursor": cursor, "limit": 2}, headers=tablet.headers).json
        assert body["reset"] is False
        cursor = body["cursor"]
        seen.append(cursor)
        parse_cursor(cursor)  # raises for a cursor out of range
        if not body["more"]:
            break
    again = client.get("/api/v1/pull", query_string={"cursor": cursor}, headers=tablet.headers).json
    assert again["reset"] is False
    new = tablet.registration()
    push(client, tablet, [new])
    # On PostgreSQL a transaction running elsewhere in the cluster may delay (never skip) it.
    changes, cursor = pull_until(client, tablet, cursor, lambda c: any(x["id"] == new["visit_id"] for x in c))
    assert new["visit_id"] in {c["id"] for c in changes if c["entity"] == "visit"}
    parse_cursor(cursor)


# --- what is stored and acknowledged --------------------------------------------------------

def assert_acks_are_true(db, body, device_id):
    """Every id acknowledged as stored or duplicate is on the server; every conflict or
    quarantine is kept in quarantine."""
    ack = body["ack"]
    for event_id in ack["stored"] + ack["duplicate"]:
        assert db.session.get(VisitEvent, event_id) is not None or db.session.get(SurveyResponse, event_id), event_id
    for item in ack["conflict"] + ack["quarantined"]:
        assert count(db, Quarantine, Quarantine.record_id == item["id"]) >= 1, item


def test_two_new_events_with_one_seq_in_a_batch_store_one_and_report_the_other_as_conflict(
        client, db, tablet_for):
    tablet = tablet_for()
    first = tablet.registration()
    twin = tablet.registration()
    twin["seq"] = first["seq"]
    body = push(client, tablet, [first, twin]).json
    assert body["ack"]["stored"] == [first["id"]]
    assert body["ack"]["conflict"] == [{"id": twin["id"], "message": "sequence number already used by another event"}]
    assert_acks_are_true(db, body, tablet.device.id)
    db.session.expire_all()
    assert count(db, VisitEvent) == 1 and db.session.get(Visit, twin["visit_id"]) is None
    kept = db.session.scalar(select(Quarantine))
    assert kept.record_id == twin["id"] and kept.device_seq == twin["seq"]
    # The same batch again: the stored one is a duplicate, the twin still a conflict, kept once.
    again = push(client, tablet, [first, twin]).json
    assert again["ack"]["duplicate"] == [first["id"]] and [c["id"] for c in again["ack"]["conflict"]] == [twin["id"]]
    assert count(db, Quarantine) == 1


def test_resending_a_batch_keeps_each_refused_record_in_quarantine_once(client, db, tablet_for):
    tablet = tablet_for()
    good = tablet.registration()
    push(client, tablet, [good])
    poison = tablet.registration(host_id=987654)
    bad_type = tablet.event(good["visit_id"], "locker", {"locker_number": 12})
    conflict = losing_version(good)
    bad_survey = survey_for(None, answers={"persyaratan": 9})
    batch = [poison, bad_type, conflict, "nonsense", {"seq": 99}]
    first = push(client, tablet, batch, [bad_survey]).json
    kept = count(db, Quarantine)
    assert kept == 6
    for _ in range(3):
        again = push(client, tablet, batch, [bad_survey]).json
        assert again["ack"] == first["ack"]
    assert count(db, Quarantine) == kept
    assert_acks_are_true(db, first, tablet.device.id)


def test_visit_device_is_the_earliest_registrations_whatever_the_arrival_order(client, db, tablet_for):
    first_tablet = tablet_for()
    office = first_tablet.device.office
    second_tablet = tablet_for(office)
    visit_id = str(uuid.uuid4())
    early = first_tablet.registration(visit_id=visit_id)
    second_tablet.clock = first_tablet.clock + timedelta(minutes=5)
    late = second_tablet.registration(visit_id=visit_id, name="Siti A.")
    for order in ([early], [late]), ([late], [early]):
        db.session.execute(VisitEvent.__table__.delete())
        db.session.execute(Visit.__table__.delete())
        db.session.commit()
        tablets = {early["id"]: first_tablet, late["id"]: second_tablet}
        for batch in order:
            assert push(client, tablets[batch[0]["id"]], batch).status_code == 200
        db.session.expire_all()
        visit = db.session.get(Visit, visit_id)
        assert visit.device_id == first_tablet.device.id, order
        assert visit.name == "Siti Aminah"
        assert json.loads(visit.tablet_json)["device"] == first_tablet.device.uid


def losing_version(event):
    """Return another version of `event` with a larger content hash (it loses to the stored one)."""
    # A stored event's hash is larger than n others' with chance 1/(n+1): try enough.
    for n in range(100_000):
        other = dict(event, payload=dict(event["payload"], name=f"Orang Lain {n}"))
        if content_hash(other) > content_hash(event):
            return other
    raise AssertionError("no larger hash in 100,000 tries")


def two_versions(tablet):
    """Return (smaller, larger): two versions of one event, by content hash."""
    event = tablet.registration()
    other = dict(event, payload=dict(event["payload"], name="Siti Aminah Versi Lain"))
    return tuple(sorted((event, other), key=content_hash))


@pytest.mark.parametrize("order", ["smaller first", "larger first", "one batch"])
def test_two_versions_of_one_event_id_the_smaller_content_hash_wins_in_any_order(client, db, tablet_for, order):
    tablet = tablet_for()
    smaller, larger = two_versions(tablet)
    if order == "one batch":
        body = push(client, tablet, [larger, smaller]).json
        assert body["ack"]["stored"] == [smaller["id"]]
        assert body["ack"]["conflict"] == [{"id": larger["id"], "message": "same id, different content"}]
    else:
        first, second = (smaller, larger) if order == "smaller first" else (larger, smaller)
        assert push(client, tablet, [first]).json["ack"]["stored"] == [first["id"]]
        body = push(client, tablet, [second]).json
        if second is smaller:
            assert body["ack"]["stored"] == [smaller["id"]]  # it replaced the stored version
        else:
            assert [c["id"] for c in body["ack"]["conflict"]] == [larger["id"]]
    db.session.expire_all()
    stored = db.session.get(VisitEvent, smaller["id"])
    assert stored.content_hash == content_hash(smaller)
    assert db.session.get(Visit, smaller["visit_id"]).name == smaller["payload"]["name"]
    # The losing version is kept once, for an admin, however often either version comes again.
    for event in (larger, smaller, larger):
        push(client, tablet, [event])
    items = db.session.scalars(select(Quarantine)).all()
    assert len(items) == 1 and items[0].record_id == smaller["id"]
    from server.api.operations import quarantine_record

    assert quarantine_record(items[0])["payload"]["name"] == larger["payload"]["name"]
    assert quarantine_record(items[0])["payload"]["id_number"] == "6171014506900001"
    assert db.session.get(Device, tablet.device.id).acked_seq == 1


def test_survey_for_another_offices_visit_is_refused_and_that_visit_keeps_its_own(client, db, tablet_for):
    ours = tablet_for()
    theirs = tablet_for()
    reg = theirs.registration()
    push(client, theirs, [reg])
    intruder = survey_for(reg["visit_id"])
    body = push(client, ours, [], [intruder]).json
    assert body["ack"]["quarantined"] == [{"id": intruder["id"], "fields": {"visit_id": "belongs to another office"}}]
    assert count(db, SurveyResponse) == 0
    own = survey_for(reg["visit_id"])
    assert push(client, theirs, [], [own]).json["ack"]["stored"] == [own["id"]]
    assert db.session.get(SurveyResponse, own["id"]).office_id == theirs.device.office_id


@pytest.mark.parametrize("where", ["number in payload", "outside payload", "in correction fields as a number",
                                   "nested deeper", "survey"])
def test_personal_fields_in_quarantine_are_sealed_whatever_their_type_or_place(client, db, tablet_for, where):
    from server.api.operations import quarantine_record

    tablet = tablet_for()
    nik, phone = 6171014506900001, 81234567890
    if where == "number in payload":
        record = tablet.registration(id_number=nik, phone=phone)
    elif where == "outside payload":
        record = dict(tablet.registration(), id_number=str(nik), phone=str(phone))
    elif where == "in correction fields as a number":
        record = tablet.event(str(uuid.uuid4()), "correction", {"fields": {"id_number": nik, "phone": phone}})
    elif where == "nested deeper":
        record = tablet.event(str(uuid.uuid4()), "waiting", {"extra": [{"guest": {"id_number": [nik],
                                                                                  "phone": {"hp": phone}}}]})
    else:
        record = dict(survey_for(None), id_number=nik, phone=str(phone))
    events, surveys = ([], [record]) if where == "survey" else ([record], [])
    body = push(client, tablet, events, surveys).json
    assert [q["id"] for q in body["ack"]["quarantined"]] == [record["id"]]
    item = db.session.scalar(select(Quarantine))
    raw = json.dumps(db.session.execute(select(Quarantine.__table__.c.payload)).scalar_one())
    assert str(nik) not in raw and str(phone) not in raw, raw
    assert quarantine_record(item) == record  # the admin sees what was sent, of its type


def test_replay_of_a_record_nested_too_deep_is_refused_with_the_path_and_the_item_stays_open(
        client, db, tablet_for, make_user):
    from server.api.operations import SyncError, replay_quarantine

    tablet = tablet_for()
    poison = tablet.registration(host_id=987654)
    push(client, tablet, [poison])
    item = db.session.scalar(select(Quarantine))
    fixed = dict(poison, payload=dict(poison["payload"], host_id=None, name=nested(300)))
    with pytest.raises(SyncError) as refused:
        replay_quarantine(item, fixed, make_user("office_admin", office=tablet.device.office))
    assert refused.value.status == 400 and next(iter(refused.value.fields)).startswith("payload.name.a")
    db.session.rollback()
    assert db.session.get(Quarantine, item.id).status == "open" and count(db, Quarantine) == 1


def test_another_offices_version_of_an_event_id_never_replaces_the_stored_one(client, db, tablet_for):
    ours = tablet_for()
    theirs = tablet_for()
    event = ours.registration()
    push(client, ours, [event])
    # Another office's tablet sends the same event id (in a visit of its own) with a smaller hash.
    copy = next(c for c in (dict(event, visit_id=str(uuid.uuid4()), payload=dict(event["payload"], name=f"X {n}"))
                            for n in range(200)) if content_hash(c) < content_hash(event))
    body = push(client, theirs, [copy]).json
    assert [c["id"] for c in body["ack"]["conflict"]] == [event["id"]]
    db.session.expire_all()
    stored = db.session.get(VisitEvent, event["id"])
    assert stored.office_id == ours.device.office_id and stored.content_hash == content_hash(event)
