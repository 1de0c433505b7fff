"""Logs of a full flow hold no NIK, phone number, token, code or password; nor do URLs and errors.

One test drives everything a day at an office does, with every logger at DEBUG and a JSON
handler on the root logger, then searches the captured lines for each secret.
"""
import hashlib
import logging
import re
import uuid

import pytest
from pythonjsonlogger.json import JsonFormatter

from server.api.operations import create_enrollment_code

NIKS = ["6171014508900003", "3273010101850002", "6471055212990007"]
PHONES = ["081234567890", "085311112222", "+6281399998888"]
BAD_NIK = "61710145089"  # too short: quarantined
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def captured_logs():
    root = logging.getLogger()
    handler = Capture()
    # Alembic's fileConfig (run by the app fixture's migration) disables existing loggers.
    disabled = [lg for lg in logging.root.manager.loggerDict.values()
                if isinstance(lg, logging.Logger) and lg.disabled]
    for lg in disabled:
        lg.disabled = False
    old_root, old_sitamu = root.level, logging.getLogger("sitamu").level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    logging.getLogger("sitamu").setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old_root)
    logging.getLogger("sitamu").setLevel(old_sitamu)
    for lg in disabled:
        lg.disabled = True


def test_a_full_flow_logs_no_personal_data_or_secrets(app, client, db, make_office, make_user,
                                                       make_host, make_service, captured_logs, tmp_path):
    office = make_office(code="LOGTEST")
    host = make_host(office)
    make_service(office, name="Konsultasi")
    admin = make_user("office_admin", office, username="admin_log")
    host_user = make_user("host", office, host_id=host.id, username="host_log")
    secrets = set(NIKS) | set(PHONES) | {BAD_NIK, "password123"}
    responses = []

    probes = []  # requests that themselves carry a NIK (an attacker's or a mistaken client's)

    def call(method, url, probe=False, **kw):
        response = client.open(url, method=method, **kw)
        (probes if probe else responses).append((method, url, response.status_code,
                                                 response.get_data(as_text=True)))
        return response

    # Enrolment: a wrong code, then the right one.
    code, _ = create_enrollment_code(office, admin, "Meja depan")
    db.session.commit()
    secrets |= {code, code.replace("-", "")}
    proto = {"X-Sitamu-Protocol": "1"}
    assert call("POST", "/api/v1/enroll", json={"protocol": 1, "code": "AAA-BBB-CCC", "device_name": "x",
                                                "app_version": "1"}, headers=proto).status_code == 400
    enrolled = call("POST", "/api/v1/enroll", json={"protocol": 1, "code": code,
                                                    "device_name": "Meja depan", "app_version": "1"},
                    headers=proto)
    assert enrolled.status_code == 201
    token = enrolled.get_json()["token"]
    secrets.add(token)
    auth = {**proto, "Authorization": f"Bearer {token}"}

    # A photo, registrations with NIKs and phones, a bad one, a re-send, a conflict.
    sha = hashlib.sha256(PNG).hexdigest()
    assert call("PUT", f"/api/v1/blobs/{sha}?kind=photo", data=PNG,
                headers={**auth, "Content-Type": "image/png"}).status_code == 201
    seq = iter(range(1, 100))

    def event(visit_id, kind, payload, actor="staff:1"):
        return {"id": str(uuid.uuid4()), "visit_id": visit_id, "seq": next(seq), "kind": kind,
                "actor": actor, "device_time": "2026-11-23T02:00:00.000Z", "clock_offset_ms": 0,
                "payload": payload}

    visits = [str(uuid.uuid4()) for _ in NIKS]
    registrations = [event(v, "registration", {
        "queue_number": f"A00{i}", "id_type": "ktp", "id_number": nik, "name": f"Tamu {i}",
        "phone": phone, "purpose": "Koordinasi", "host_id": host.id, "photo_sha": sha,
        "consent_version": "2026-01", "consent_at": "2026-11-23T02:00:00.000Z"}, actor="guest")
        for i, (v, nik, phone) in enumerate(zip(visits, NIKS, PHONES, strict=True))]
    bad = event(str(uuid.uuid4()), "registration", {"id_type": "ktp", "id_number": BAD_NIK,
                                                    "name": "Salah", "phone": PHONES[0]}, actor="guest")
    notified = event(visits[0], "host_notified", {"channel": "app"})
    notified2 = event(visits[1], "host_notified", {"channel": "app"})
    correction = event(visits[2], "correction", {"fields": {"phone": "081377776666"}})
    secrets.add("081377776666")
    pushed = call("POST", "/api/v1/push", json={"protocol": 1, "events": registrations + [bad, notified, notified2, correction]},
                  headers=auth)
    ack = pushed.get_json()["ack"]
    assert len(ack["stored"]) == 6 and len(ack["quarantined"]) == 1
    from sync.rules import content_hash  # the version with the larger hash: a conflict, not a replacement

    conflict = next(c for c in (dict(registrations[0], payload=dict(registrations[0]["payload"], phone=f"08990{n:06}"))
                                for n in range(100_000)) if content_hash(c) > content_hash(registrations[0]))
    secrets.add(conflict["payload"]["phone"])
    again = call("POST", "/api/v1/push", json={"protocol": 1, "events": [registrations[1], conflict]}, headers=auth)
    assert again.status_code == 200 and again.get_json()["ack"]["conflict"]

    cursor = ""
    for _ in range(20):
        page = call("GET", f"/api/v1/pull?cursor={cursor}", headers=auth).get_json()
        cursor = page["cursor"]
        if not page["more"]:
            break

    # A returning guest is looked up by NIK in the body (found, unknown, malformed), never by URL.
    unknown_nik = "3273010101850009"
    secrets.add(unknown_nik)
    found = call("POST", "/api/v1/guests/lookup", json={"protocol": 1, "id_type": "ktp", "id_number": NIKS[0]},
                 headers=auth)
    assert found.status_code == 200 and found.get_json()["found"] is True
    assert call("POST", "/api/v1/guests/lookup", json={"protocol": 1, "id_number": unknown_nik},
                headers=auth).get_json()["found"] is False
    assert call("POST", "/api/v1/guests/lookup", probe=True, json={"protocol": 1, "id_number": BAD_NIK},
                headers=auth).status_code == 400
    assert call("GET", f"/api/v1/guests/lookup?id_number={NIKS[1]}", probe=True, headers=auth).status_code == 405

    # Survey through the one-time phone link.
    link = call("POST", "/api/v1/survey-links", json={"protocol": 1, "visit_id": visits[0]}, headers=auth)
    assert link.status_code == 201
    survey_token = link.get_json()["url"].rsplit("/", 1)[1]
    secrets.add(survey_token)
    assert call("GET", f"/p/survey/{survey_token}").status_code == 200
    answers = {f"q_{k}": "3" for k in ("persyaratan", "prosedur", "waktu", "biaya", "produk",
                                      "kompetensi", "perilaku", "pengaduan", "sarana")}
    assert call("POST", f"/p/survey/{survey_token}", data={**answers, "gender": "P"}).status_code == 200
    assert call("POST", f"/p/survey/{survey_token}", data=answers).status_code in (404, 409)

    # The host answers from the inbox.
    call("POST", "/login", data={"username": host_user.username, "password": "password123"})
    assert call("GET", "/host/").status_code == 200
    assert call("POST", f"/host/visits/{visits[0]}/receive").status_code == 302
    assert call("POST", f"/host/visits/{visits[1]}/unavailable",
                data={f"v{visits[1][:8]}-reason": "Sedang rapat pimpinan"}).status_code in (302, 400)
    call("POST", "/logout")

    # Admin pages, the audited full-NIK view, the privacy tools, reports.
    assert call("POST", "/login", data={"username": "admin_log", "password": "wrong"}).status_code == 401
    assert call("POST", "/login", data={"username": "admin_log", "password": "password123"}).status_code == 302
    for url in ("/admin/", "/admin/visits", "/admin/visits?q=Tamu", f"/admin/visits/{visits[0]}",
                "/admin/quarantine", "/admin/audit", "/admin/devices", "/admin/onsite", "/dashboard/",
                "/dashboard/volume.csv", "/admin/privacy/"):
        assert call("GET", url).status_code == 200, url
    assert call("POST", f"/admin/visits/{visits[0]}/nik").status_code == 200
    assert call("POST", "/admin/privacy/search", data={"nik": NIKS[0]}).status_code == 200
    assert call("POST", "/admin/privacy/search", data={"nik": NIKS[0][:-1] + "x"}).status_code == 400
    assert call("POST", "/admin/privacy/export", data={"visit_ids-0": visits[0]}).status_code == 200
    assert call("POST", f"/admin/privacy/visits/{visits[1]}/correct",
                data={"name": "Tamu Satu", "phone": "081255554444"}).status_code == 302
    secrets.add("081255554444")
    runner = app.test_cli_runner()
    report = runner.invoke(args=["report", "register", "--office", "LOGTEST", "--month", "2026-11",
                                 "--out", str(tmp_path / "register.pdf")])
    assert report.exit_code == 0, report.output

    # Errors: bad JSON, unknown token, a NIK in a URL, a bad blob name, too large.
    assert call("POST", "/api/v1/push", data=b"{not json", headers={**auth, "Content-Type": "application/json"}).status_code == 400
    assert call("GET", "/api/v1/pull", probe=True,
                headers={**proto, "Authorization": f"Bearer {NIKS[1]}"}).status_code == 401
    assert call("GET", f"/admin/visits/{NIKS[2]}", probe=True).status_code == 404
    assert call("GET", f"/api/v1/visits/{NIKS[2]}?phone={PHONES[2]}", probe=True).status_code == 404
    assert call("PUT", f"/api/v1/blobs/{NIKS[0]}", probe=True, data=b"x", headers=auth).status_code == 400
    assert call("POST", "/api/v1/push", probe=True, headers=auth, json={
        "protocol": 1, "events": [{"id": NIKS[0], "payload": {"phone": PHONES[1]}}]}).status_code in (200, 400)
    assert call("GET", "/api/v1/pull?cursor=" + NIKS[0], probe=True, headers=auth).status_code in (200, 400)

    # Retention at the end of the period, and key rotation, log too.
    assert runner.invoke(args=["retention", "run"]).exit_code == 0

    log_text = "\n".join(captured_logs.lines)
    assert len(captured_logs.lines) > 40, "the flow was logged"
    assert '"path": "/p/survey/<token>"' in log_text
    leaks = sorted(s for s in secrets if s in log_text)
    assert leaks == [], [line for line in captured_logs.lines if any(s in line for s in leaks)][:5]

    # The NIK is masked everywhere but the two audited places that exist to show it in full
    # (the "show full NIK" view and the guest's own export); pulls to tablets carry it masked.
    full_views = ("/nik", "/admin/privacy/export")
    for method, url, status, body in responses:
        if status < 400 and not url.endswith(full_views):
            assert not any(nik in body for nik in NIKS), (method, url)
    assert any(NIKS[0] in body for m, url, s, body in responses if url.endswith("/nik"))

    # No page links to a URL carrying a NIK or phone, and no error message repeats one.
    for method, url, status, body in responses + probes:
        for href in re.findall(r'(?:href|action|src)="([^"]+)"', body):
            assert not any(s in href for s in NIKS + PHONES), (url, href)
        if status >= 400:  # what the user typed may stay in its input; messages never repeat it
            text = re.sub(r'value="[^"]*"', "", body)
            assert not any(s in text for s in NIKS + PHONES + [BAD_NIK]), (method, url, status, text[:300])


def test_the_development_server_logs_no_path_token_nik_or_phone(app, captured_logs):
    """`sitamu run` serves through werkzeug, whose request log would name each raw path: a
    status-link or survey-link token, or a NIK or phone someone put in a query."""
    import http.client
    import socket
    import threading

    from werkzeug.serving import make_server

    token = "tok" + uuid.uuid4().hex
    paths = [f"/janji/s/{token}", f"/janji/s/{token}/tiket.pdf", f"/p/survey/{token}",
             f"/janji/NOPE?nik={NIKS[0]}&hp={PHONES[0]}"]
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for path in paths:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            conn.request("GET", path)
            assert conn.getresponse().status in (200, 302, 404)
            conn.close()
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
            raw.sendall(f"GET /janji/s/{token} HTTP/9.9x\r\n\r\n".encode())  # a malformed request line
            assert b"400" in raw.recv(4096)
    finally:
        server.shutdown()
        thread.join()
    logged = "\n".join(captured_logs.lines)
    assert '"path": "/janji/s/<token>"' in logged  # the app's access log: the route pattern
    assert "Bad request version" in logged  # the reason of a malformed request is kept
    for secret in (token, NIKS[0], PHONES[0]):
        assert secret not in logged, [line for line in captured_logs.lines if secret in line][:2]
