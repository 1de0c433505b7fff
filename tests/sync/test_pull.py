"""Pull: snapshot, change log, tombstones, resets, and no skipped late commits."""
import hashlib
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.api.operations import record_server_event
from server.api.pull import tablet_json
from server.models import Device, Service, Visit
from server.privacy.retention import purge_visit

from .conftest import PROTO


def pull_all(client, tablet, cursor="", limit=500):
    """Pull until `more` is false; return (changes, cursor)."""
    changes = []
    for _ in range(100):
        response = client.get("/api/v1/pull", query_string={"cursor": cursor, "limit": limit},
                              headers=tablet.headers)
        assert response.status_code == 200, response.json
        body = response.json
        assert not body["reset"]
        changes += body["changes"]
        cursor = body["cursor"]
        if not body["more"]:
            return changes, cursor
    raise AssertionError("pull never finished")


def pull_until(client, tablet, cursor, wanted, timeout=20.0):
    """Pull until `wanted(changes so far)` holds; return (changes, cursor).

    On PostgreSQL a change becomes pullable once every older transaction of the cluster has
    ended (other databases' writers included), so it may take more than one pull to arrive.
    """
    import time

    changes, deadline = [], time.monotonic() + timeout
    while True:
        more, cursor = pull_all(client, tablet, cursor)
        changes += more
        if wanted(changes) or time.monotonic() > deadline:
            return changes, cursor
        time.sleep(0.1)


def ids(changes, entity, op="put"):
    return {c["id"] for c in changes if c["entity"] == entity and c["op"] == op}


def push(client, tablet, events):
    response = client.post("/api/v1/push", json={"protocol": 1, "events": events}, headers=tablet.headers)
    assert response.status_code == 200, response.json
    return response.json


def test_new_tablet_gets_office_hosts_services_staff_and_recent_visits(client, db, tablet_for, make_office,
                                                                       make_host, make_service, make_user):
    office = make_office()
    host = make_host(office)
    other_office_host = make_host()
    service = make_service(office)
    desk = make_user("receptionist", office=office)
    desk.set_pin("1234")
    db.session.commit()
    front = tablet_for(office)
    regs = [front.registration(host_id=host.id) for _ in range(7)]
    push(client, front, regs)
    newcomer = tablet_for(office)
    changes, _ = pull_all(client, newcomer, limit=3)
    assert ids(changes, "office") == {str(office.id)}
    office_data = next(c["data"] for c in changes if c["entity"] == "office")
    assert office_data["timezone"] == "Asia/Jakarta" and office_data["sop_template"] == "kalbar-2021"
    assert str(host.id) in ids(changes, "host") and str(other_office_host.id) not in ids(changes, "host")
    assert str(service.id) in ids(changes, "service")
    staff = next(c["data"] for c in changes if c["entity"] == "staff" and c["id"] == str(desk.id))
    assert staff["pin_hash"].startswith("pbkdf2$") and "password_hash" not in staff
    assert ids(changes, "visit") == {r["visit_id"] for r in regs}
    visit = next(c["data"] for c in changes if c["entity"] == "visit")
    assert visit["id_number_masked"] == "•••• •••• •••• 0001" and "phone" not in visit
    assert "6171014506900001" not in str(changes)


def test_changes_after_the_snapshot_arrive_once_and_deletions_as_tombstones(client, db, tablet_for,
                                                                            make_office, make_host):
    office = make_office()
    host = make_host(office)
    gone = make_host(office, name="Pindah Tugas")
    tablet = tablet_for(office)
    _, cursor = pull_all(client, tablet)
    host.available = False
    host.unavailable_reason = "Dinas luar"
    db.session.delete(gone)
    db.session.commit()
    changes, cursor = pull_until(client, tablet, cursor, lambda c: len(c) >= 2)
    put = next(c for c in changes if c["entity"] == "host" and c["id"] == str(host.id))
    assert put["op"] == "put" and put["data"]["unavailable_reason"] == "Dinas luar"
    assert {"entity": "host", "id": str(gone.id), "op": "delete"} in changes
    assert pull_all(client, tablet, cursor)[0] == []


def test_host_reply_made_on_the_server_reaches_tablets(client, db, tablet_for, make_office, make_host):
    office = make_office()
    host = make_host(office)
    tablet = tablet_for(office)
    reg = tablet.registration(host_id=host.id)
    push(client, tablet, [reg, tablet.event(reg["visit_id"], "host_notified", {"channel": "app"})])
    _, cursor = pull_all(client, tablet)
    visit = db.session.get(Visit, reg["visit_id"])
    record_server_event(visit, "host_unavailable", {"reason": "Bapak sedang rapat di luar"}, f"host:{host.id}")
    changes, _ = pull_until(client, tablet, cursor, lambda c: any(x["entity"] == "visit" for x in c))
    data = next(c["data"] for c in changes if c["entity"] == "visit" and c["id"] == reg["visit_id"])
    assert data["stage"] == "host_unavailable" and data["unavailable_reason"] == "Bapak sedang rapat di luar"


def test_unknown_or_old_cursor_answers_reset(client, db, tablet_for):
    tablet = tablet_for()
    for cursor in ("garbage", "c.1.2.3", "c.x.1.1700000000", "s.1.1..1"):
        body = client.get("/api/v1/pull", query_string={"cursor": cursor}, headers=tablet.headers).json
        assert body["reset"] is True and body["changes"] == [] and body["cursor"] == ""


def test_pull_without_token_is_401_and_other_offices_stay_invisible(client, db, tablet_for, make_host):
    a, b = tablet_for(), tablet_for()
    make_host(b.device.office, name="Tamu B")
    assert client.get("/api/v1/pull", headers=PROTO).status_code == 401
    changes, _ = pull_all(client, a)
    assert "Tamu B" not in str(changes)


def test_pull_updates_device_sync_state_at_most_every_30_seconds(client, db, tablet_for):
    tablet = tablet_for()
    pull_all(client, tablet)
    db.session.refresh(tablet.device)
    first = tablet.device.last_pull_at
    assert first is not None and tablet.device.pull_cursor.startswith("c.")
    pull_all(client, tablet)  # polling again at once writes nothing
    db.session.refresh(tablet.device)
    assert tablet.device.last_pull_at == first
    tablet.device.last_pull_at = first - timedelta(seconds=31)
    db.session.commit()
    pull_all(client, tablet)
    db.session.refresh(tablet.device)
    assert tablet.device.last_pull_at > first


@pytest.mark.postgres_only
def test_transaction_that_commits_late_is_not_skipped(client, db, is_postgres, tablet_for, make_office):
    """T1 starts first and commits after T2; a pull in between must not move past T1."""
    if not is_postgres:
        pytest.skip("needs PostgreSQL's transaction ids")
    office = make_office()
    tablet = tablet_for(office)
    _, cursor = pull_until(client, tablet, "", lambda c: any(x["entity"] == "staff" for x in c))
    engine = db.engine
    with engine.connect() as c1, engine.connect() as c2:
        s1, s2 = Session(bind=c1), Session(bind=c2)
        s1.add(Service(office_id=office.id, name="Layanan T1 (lambat)"))
        s1.flush()  # T1 holds its transaction id and its change-log row, uncommitted
        s2.add(Service(office_id=office.id, name="Layanan T2 (cepat)"))
        s2.commit()
        between, cursor = pull_all(client, tablet, cursor)
        s1.commit()

        def both(changes):
            names = {c["data"]["name"] for c in between + changes if c["entity"] == "service"}
            return {"Layanan T1 (lambat)", "Layanan T2 (cepat)"} <= names

        after, cursor = pull_until(client, tablet, cursor, both)
    # A cursor that had moved past T1's row (ids or timestamps alone) would never deliver it.
    assert both(after)
    # While T1 was running, nothing after it could be handed out.
    assert [c for c in between if c["entity"] == "service"] == []


def test_blob_upload_is_idempotent_checked_and_clears_photo_pending(client, db, tablet_for):
    tablet = tablet_for()
    photo = b"\xff\xd8\xff\xe0" + uuid.uuid4().bytes * 100
    sha = hashlib.sha256(photo).hexdigest()
    reg = tablet.registration(photo_sha=sha)
    push(client, tablet, [reg])
    assert db.session.get(Visit, reg["visit_id"]).state["photo_pending"] is True
    url = f"/api/v1/blobs/{sha}"
    headers = {**tablet.headers, "Content-Type": "image/jpeg"}
    assert client.head(url, headers=tablet.headers).status_code == 404
    cut = client.put(url, data=photo[:100], headers=headers)
    assert cut.status_code == 400 and cut.json["error"]["code"] == "hash_mismatch"
    assert client.head(url, headers=tablet.headers).status_code == 404
    assert client.put(url, data=photo, headers=headers).status_code == 201
    assert client.put(url, data=photo, headers=headers).status_code == 200
    assert client.head(url, headers=tablet.headers).status_code == 200
    db.session.expire_all()
    assert db.session.get(Visit, reg["visit_id"]).state["photo_pending"] is False
    png_named_jpeg = client.put(f"/api/v1/blobs/{hashlib.sha256(b'x').hexdigest()}", data=b"x",
                                headers={**tablet.headers, "Content-Type": "text/plain"})
    assert png_named_jpeg.status_code == 415
    big = b"\xff\xd8\xff" + b"0" * (600 * 1024)
    too_big = client.put(f"/api/v1/blobs/{hashlib.sha256(big).hexdigest()}", data=big, headers=headers)
    assert too_big.status_code == 413


def test_stored_tablet_view_follows_every_writer(client, db, tablet_for, make_office, make_host):
    """Pulls send Visit.tablet_json as stored: after a push, a server-made event, a blob
    arriving and a retention purge it must equal the view built afresh from the row."""
    office = make_office()
    tablet = tablet_for(office)
    photo = b"\xff\xd8\xff\xe0" + uuid.uuid4().bytes * 50
    reg = tablet.registration(host_id=make_host(office).id, photo_sha=hashlib.sha256(photo).hexdigest())
    _, cursor = pull_all(client, tablet)

    def check(expected_pending):
        db.session.expire_all()
        visit = db.session.get(Visit, reg["visit_id"])
        uid = db.session.get(Device, visit.device_id).uid
        assert visit.tablet_json == tablet_json(visit, uid)
        assert json.loads(visit.tablet_json)["photo_pending"] is expected_pending
        return visit

    push(client, tablet, [reg])
    check(True)
    changes, cursor = pull_until(client, tablet, cursor, lambda c: ids(c, "visit"))
    sent = next(c["data"] for c in changes if c["entity"] == "visit")
    assert sent == json.loads(check(True).tablet_json) and sent["name"] == "Siti Aminah"
    assert sent["id_number_masked"] != reg["payload"]["id_number"]
    record_server_event(check(True), "host_unavailable", {"reason": "Rapat"}, "system")
    assert json.loads(check(True).tablet_json)["unavailable_reason"] == "Rapat"
    response = client.put(f"/api/v1/blobs/{hashlib.sha256(photo).hexdigest()}", data=photo,
                          headers={**tablet.headers, "Content-Type": "image/jpeg"})
    assert response.status_code == 201
    check(False)
    purge_visit(check(False))
    db.session.commit()
    assert "Siti" not in check(False).tablet_json


def test_visit_without_a_stored_view_is_built_from_its_row(client, db, tablet_for, make_office):
    """Rows written before Visit.tablet_json existed still reach tablets, the same as after."""
    from sqlalchemy import update

    office = make_office()
    tablet = tablet_for(office)
    reg = tablet.registration()
    push(client, tablet, [reg, tablet.event(reg["visit_id"], "verification", {"ok": True})])
    stored = json.loads(db.session.get(Visit, reg["visit_id"]).tablet_json)
    db.session.execute(update(Visit).values(tablet_json=None))
    db.session.commit()
    changes, _ = pull_all(client, tablet_for(office))
    assert next(c["data"] for c in changes if c["entity"] == "visit") == stored


def test_survey_link_is_one_time_and_hashed(client, db, tablet_for):
    from server.api.operations import SyncError, find_survey_link, redeem_survey_link
    from server.models import SurveyLink

    tablet = tablet_for()
    reg = tablet.registration()
    push(client, tablet, [reg])
    response = client.post("/api/v1/survey-links", json={"protocol": 1, "visit_id": reg["visit_id"]},
                           headers=tablet.headers)
    assert response.status_code == 201, response.json
    token = response.json["url"].rsplit("/", 1)[1]
    assert "/p/survey/" in response.json["url"]
    assert db.session.scalar(select(SurveyLink.token_hash)) == hashlib.sha256(token.encode()).hexdigest()
    assert find_survey_link(token) is not None
    answer = redeem_survey_link(token, {"persyaratan": 4, "waktu": 3}, {"gender": "L"}, "Cepat")
    assert answer.visit_id == reg["visit_id"] and answer.source == "phone"
    with pytest.raises(SyncError) as exc:
        redeem_survey_link(token, {"persyaratan": 4})
    assert exc.value.code == "invalid_link"
    unknown = client.post("/api/v1/survey-links", json={"protocol": 1, "visit_id": str(uuid.uuid4())},
                          headers=tablet.headers)
    assert unknown.status_code == 404


def test_a_visit_of_an_earlier_day_that_ends_reaches_tablets(client, db, tablet_for, make_office, make_host):
    """A guest still on site from yesterday, declined by the host today: the visit has left the
    tablets' window (an earlier day, and now ended), but a tablet showing it on site learns it."""
    office = make_office()
    host = make_host(office)
    tablet = tablet_for(office)
    tablet.clock = datetime.now(timezone.utc) - timedelta(days=2)
    reg = tablet.registration(host_id=host.id)
    push(client, tablet, [reg])
    _, cursor = pull_all(client, tablet)
    visit = db.session.get(Visit, reg["visit_id"])
    record_server_event(visit, "host_unavailable", {"reason": "Bapak sedang cuti"}, f"host:{host.id}")
    changes, _ = pull_until(client, tablet, cursor, lambda c: any(x["entity"] == "visit" for x in c))
    data = next(c["data"] for c in changes if c["entity"] == "visit" and c["id"] == reg["visit_id"])
    assert data["stage"] == "host_unavailable" and data["state"]["outcome"] == "turned_away"
