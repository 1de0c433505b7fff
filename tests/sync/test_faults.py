"""Faults over real HTTP with the Python sync client: lost answers, parallel repeats, a killed
server, captive portals, revocation, old app versions, cut-off uploads."""
import hashlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select, text

from server.api.operations import create_enrollment_code, revoke_device
from server.models import Device, Visit, VisitEvent
from sync.client import Faults, Stop, SyncClient
from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[2]


def count_events(db, ids=None):
    db.session.expire_all()
    query = select(func.count()).select_from(VisitEvent)
    if ids is not None:
        query = query.where(VisitEvent.id.in_(list(ids)))
    return db.session.scalar(query)


@pytest.fixture
def sim_client(live_server, db, make_office, make_host):
    """Return a factory of enrolled SyncClients (fast backoff) for one office."""
    office = make_office()
    host = make_host(office)

    def make(base=None, office_=None, **kwargs):
        code, _ = create_enrollment_code(office_ or office, None, "Uji")
        kwargs.setdefault("backoff_base", 0.001)
        kwargs.setdefault("backoff_cap", 0.01)
        client = SyncClient(base or live_server, **kwargs)
        client.enroll(code)
        client.host_id = host.id
        client.office = office_ or office
        return client

    return make


def register(client, n=1):
    events = []
    for _ in range(n):
        visit_id = str(uuid.uuid4())
        events.append(client.record(visit_id, "registration", {
            "queue_number": "A001", "id_type": "ktp", "id_number": "6171014506900001",
            "name": "Siti Aminah", "purpose": "Rapat", "host_id": client.host_id}, actor="guest"))
    return events


def test_response_lost_after_commit_is_resent_and_stored_once(sim_client, db):
    client = sim_client(faults=Faults(lost_ack_rate=1.0), max_attempts=2)
    events = register(client, 5)
    with pytest.raises(Stop):
        client.flush()
    assert count_events(db, [e["id"] for e in events]) == 5  # the server did commit
    assert len(client.outbox) == 5  # but without an acknowledgement nothing left the outbox
    client.faults.lost_ack_rate = 0
    client.flush()
    assert client.outbox == {} and client.attention == {}
    assert count_events(db, [e["id"] for e in events]) == 5


def test_same_batch_sent_twice_in_parallel_is_stored_once(sim_client, db, live_server):
    client = sim_client()
    events = register(client, 150)
    visit_id = events[0]["visit_id"]
    events.append(client.record(visit_id, "verification", {"ok": True}))
    body = json.dumps({"protocol": 1, "events": events})
    headers = {"Authorization": f"Bearer {client.token}", "X-Sitamu-Protocol": "1",
               "Content-Type": "application/json"}
    results = []
    barrier = threading.Barrier(2)

    def send():
        barrier.wait()
        results.append(requests.post(f"{live_server}/api/v1/push", data=body, headers=headers, timeout=60))

    threads = [threading.Thread(target=send) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    ids = {e["id"] for e in events}
    for response in results:
        assert response.status_code == 200, response.text
        ack = response.json()["ack"]
        assert set(ack["stored"]) | set(ack["duplicate"]) == ids
        assert ack["conflict"] == [] and ack["quarantined"] == []
    assert count_events(db, ids) == len(ids)
    db.session.expire_all()
    assert db.session.get(Visit, visit_id).stage == "verified"


def test_captive_portal_200_is_not_an_acknowledgement(sim_client):
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Response

    def portal(environ, start_response):
        return Response("<html>Login WiFi Kantor</html>", mimetype="text/html")(environ, start_response)

    server = make_server("127.0.0.1", 0, portal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = sim_client(max_attempts=2)
        register(client, 3)
        client.base = f"http://127.0.0.1:{server.server_port}/api/v1"
        with pytest.raises(Stop):
            client.flush()
        assert len(client.outbox) == 3
    finally:
        server.shutdown()


def test_revoked_tablet_keeps_its_outbox_and_syncs_after_reenrolment(sim_client, db):
    client = sim_client()
    register(client, 2)
    client.flush()
    pending = register(client, 3)
    revoke_device(db.session.scalar(select(Device).where(Device.uid == client.device["uid"])), None)
    with pytest.raises(Stop) as exc:
        client.flush()
    assert exc.value.reason == "reenroll" and len(client.outbox) == 3
    code, _ = create_enrollment_code(client.office, None, "Uji lagi")
    client.enroll(code)
    client.flush()
    assert client.outbox == {} and count_events(db, [e["id"] for e in pending]) == 3


def test_unsupported_protocol_keeps_the_queue(sim_client, db):
    client = sim_client()
    events = register(client, 2)
    client.protocol = 2
    with pytest.raises(Stop) as exc:
        client.flush()
    assert exc.value.reason == "upgrade" and len(client.outbox) == 2
    assert count_events(db, [e["id"] for e in events]) == 0


def test_poison_event_does_not_stall_the_queue(sim_client, db):
    client = sim_client()
    good = register(client, 2)
    poison = client.record(good[0]["visit_id"], "host_unavailable", {"reason": ""})
    more = register(client, 2)
    client.flush()
    assert client.outbox == {} and list(client.attention) == [poison["id"]]
    assert count_events(db, [e["id"] for e in good + more]) == 4
    assert client.acked_seq == 5


def test_lossy_network_with_two_tablets_converges(sim_client, db):
    """Two tablets of one office, dropped requests, lost answers, repeats and reordering."""
    import random

    faults = Faults(drop_rate=0.3, lost_ack_rate=0.3, dup_rate=0.3, reorder=True)
    front = sim_client(faults=faults, rng=random.Random(7), batch_size=7, max_attempts=50)
    gate = sim_client(faults=faults, rng=random.Random(8), batch_size=7, max_attempts=50)
    made = register(front, 25)
    for event in made[:15]:  # the gate checks guests out, sometimes before the registration arrives
        made.append(gate.record(event["visit_id"], "checked_out", {"card_returned": True}))
    for _ in range(30):
        for client in (front, gate):
            try:
                client.flush(max_rounds=3)
            except Stop:
                pass
        if not front.outbox and not gate.outbox:
            break
    assert front.outbox == {} and gate.outbox == {}
    assert count_events(db, [e["id"] for e in made]) == len(made)
    front.faults = Faults()
    front.pull()
    stages = {v["id"]: v["stage"] for v in front.pulled_of("visit").values()}
    assert sorted(stages.values()).count("checked_out") == 15 and len(stages) == 25


def test_blob_cut_off_mid_upload_stores_nothing(sim_client, live_server, db):
    client = sim_client()
    photo = b"\xff\xd8\xff\xe0" + os.urandom(30_000)
    sha = hashlib.sha256(photo).hexdigest()
    host, port = live_server.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = (f"PUT /api/v1/blobs/{sha} HTTP/1.1\r\nHost: {host}\r\nX-Sitamu-Protocol: 1\r\n"
                f"Authorization: Bearer {client.token}\r\nContent-Type: image/jpeg\r\n"
                f"Content-Length: {len(photo)}\r\nConnection: close\r\n\r\n").encode()
        sock.sendall(head + photo[:10_000])
        sock.shutdown(socket.SHUT_WR)  # the link dies mid-upload
        try:
            sock.recv(4096)
        except OSError:
            pass
    status, _, _ = client.request("HEAD", f"/blobs/{sha}", faults=False)
    assert status == 404
    assert client.put_blob(photo) == 201
    assert client.put_blob(photo) == 200


SERVE = """
import sys
from werkzeug.serving import make_server
from server import create_app
app = create_app({"TESTING": True, "INSTANCE_PATH": sys.argv[3], "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "SECRET_KEY": "x", "SITAMU_DATA_KEY": "11" * 32, "RATELIMIT_ENABLED": False})
make_server("127.0.0.1", int(sys.argv[2]), app, threaded=True).serve_forever()
"""


def _start_server(url, port, instance):
    proc = subprocess.Popen([sys.executable, "-c", SERVE, url, str(port), instance], cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not start")


def test_server_killed_mid_batch_stores_nothing_and_the_resend_stores_all(app, db, sim_client, tmp_path,
                                                                          is_postgres):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    port = free_port()
    proc = _start_server(url, port, str(tmp_path / "inst"))
    base = f"http://127.0.0.1:{port}"
    client = sim_client(base=base, max_attempts=1, timeout=60)
    events = register(client, 200)
    # Hold a lock the batch needs half-way: PostgreSQL blocks it after its events are inserted
    # (at the change-log insert), SQLite at its first write.
    if is_postgres:
        locker = db.engine.connect()
        locker.execute(text("LOCK TABLE change_log IN EXCLUSIVE MODE"))
    else:
        locker = sqlite3.connect(url.split("sqlite:///", 1)[1], timeout=30)
        locker.execute("BEGIN IMMEDIATE")
    outcome = {}

    def push():
        try:
            client.flush(max_rounds=1)
            outcome["ok"] = True
        except Exception as exc:  # the connection dies with the server
            outcome["error"] = exc

    thread = threading.Thread(target=push)
    thread.start()
    try:
        if is_postgres:
            for _ in range(100):
                db.session.rollback()  # pg_stat_activity is read once per transaction
                waiting = db.session.scalar(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query ILIKE '%change_log%'"))
                if waiting:
                    break
                time.sleep(0.1)
            assert waiting, "the batch never reached the change log"
        else:
            time.sleep(1.0)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if is_postgres:
            locker.rollback()
            locker.close()
        else:
            locker.rollback()
            locker.close()
    thread.join(30)
    assert "ok" not in outcome
    assert len(client.outbox) == 200
    time.sleep(0.5)  # PostgreSQL notices the dead connection and rolls its transaction back
    assert count_events(db, [e["id"] for e in events]) == 0
    proc = _start_server(url, port, str(tmp_path / "inst"))
    try:
        client.max_attempts = 5
        client.flush()
        assert client.outbox == {}
        assert count_events(db, [e["id"] for e in events]) == 200
    finally:
        proc.kill()
        proc.wait(10)


def test_429_retry_after_is_honoured_and_5xx_retried(sim_client, live_server, db):
    """A proxy in front of the server answers 429 (Retry-After: 3), then 503, then passes."""
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Request, Response

    answers = iter([(429, {"Retry-After": "3"}), (503, {})])

    def proxy(environ, start_response):
        request = Request(environ)
        status, headers = next(answers, (None, None))
        if status:
            body = json.dumps({"error": {"code": "x", "message": "x", "fields": {}}})
            return Response(body, status=status, headers=headers, mimetype="application/json")(
                environ, start_response)
        upstream = requests.request(request.method, live_server + request.full_path.rstrip("?"),
                                    data=request.get_data(), headers={
                                        k: v for k, v in request.headers.items() if k.lower() != "host"})
        return Response(upstream.content, status=upstream.status_code, headers={
            k: v for k, v in upstream.headers.items()
            if k.lower() in ("content-type", "content-encoding", "x-server-time")})(environ, start_response)

    server = make_server("127.0.0.1", 0, proxy, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    waits = []
    try:
        client = sim_client(backoff_base=1.0, backoff_cap=0.5, sleep=waits.append)
        events = register(client, 2)
        client.base = f"http://127.0.0.1:{server.server_port}/api/v1"
        client.flush()
    finally:
        server.shutdown()
    assert waits[0] == 3.0           # Retry-After wins over the backoff
    assert 0 <= waits[1] <= 0.5      # then full jitter, capped
    assert client.outbox == {} and count_events(db, [e["id"] for e in events]) == 2


def test_one_enrolment_code_raced_by_two_tablets_enrols_one(live_server, db, make_office):
    office = make_office()
    code, _ = create_enrollment_code(office, None, "Meja")
    results, barrier = [], threading.Barrier(4)

    def enrol():
        barrier.wait()
        results.append(requests.post(f"{live_server}/api/v1/enroll", json={"protocol": 1, "code": code},
                                     headers={"X-Sitamu-Protocol": "1"}, timeout=30).status_code)

    threads = [threading.Thread(target=enrol) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == [201, 400, 400, 400]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Device).where(Device.office_id == office.id)) == 1
