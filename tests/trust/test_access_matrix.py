"""The access matrix: every route x every role x own/other office.

Rules (docs/privacy.md, issue 7):
- each staff route lets in only the roles in POLICY; other roles get 403, visitors who are
  not logged in are sent to the login page;
- staff of office A never read or change office B: a route naming B's record answers 403
  or 404, no page they can open shows B's data, and B's rows are byte-for-byte unchanged
  after every request of every A role;
- a device token reaches only its office; hosts see only their own guests.
A route missing from POLICY fails the test: whoever adds a route says who may use it.
"""
import hashlib
import re
import uuid

import pytest
from sqlalchemy import Text, select, type_coerce

from server.api.operations import create_enrollment_code, create_survey_link, enroll_device
from server.crypto import Encrypted
from server.extensions import db as _db
from server.models import Quarantine
from tests.conftest import reports_done
from tests.sync.conftest import PROTO, Tablet

ADMINS = {"central_admin", "office_admin"}
DESK = {"receptionist", "security"}
STAFF_ROLES = ("central_admin", "office_admin", "supervisor", "receptionist", "security", "host")
PUBLIC, DEVICE = "public", "device"

POLICY = {
    "auth.root": PUBLIC, "auth.login": PUBLIC, "auth.logout": PUBLIC, "static": PUBLIC,
    "pwa.static_file": PUBLIC, "public.ikm": PUBLIC, "public.survey": PUBLIC,
    "api.openapi": PUBLIC, "api.clock": PUBLIC, "api.enroll": PUBLIC,
    "api.push": DEVICE, "api.pull": DEVICE, "api.blob": DEVICE, "api.survey_link": DEVICE,
    "api.guest_lookup": DEVICE,
    "admin.index": ADMINS, "admin.audit": ADMINS, "admin.audit_csv": ADMINS,
    "admin.devices": ADMINS,
    "admin.device_revoke": ADMINS, "admin.device_enrol": ADMINS, "admin.hosts": ADMINS,
    "admin.host_edit": ADMINS, "admin.host_new": ADMINS, "admin.offices": ADMINS,
    "admin.office_edit": ADMINS, "admin.office_logo": ADMINS, "admin.office_sop": ADMINS,
    "admin.office_new": {"central_admin"}, "admin.quarantine": ADMINS,
    "admin.quarantine_item": ADMINS, "admin.quarantine_dismiss": ADMINS,
    "admin.services": ADMINS, "admin.service_edit": ADMINS, "admin.staff": ADMINS,
    "admin.staff_edit": ADMINS, "admin.staff_new": ADMINS,
    "admin.visits": ADMINS | DESK, "admin.visit_detail": ADMINS | DESK,
    "admin.visit_view_nik": ADMINS, "admin.visit_image": ADMINS, "admin.onsite": ADMINS | DESK | {"supervisor"},
    "privacy.index": ADMINS, "privacy.search": ADMINS, "privacy.export": ADMINS,
    "privacy.erase": ADMINS, "privacy.correct": ADMINS, "privacy.erase_appointments": ADMINS,
    "dashboard.index": ADMINS | {"supervisor"}, "dashboard.table_csv": ADMINS | {"supervisor"},
    "dashboard.visits": ADMINS | {"supervisor"}, "dashboard.visits_csv": ADMINS | {"supervisor"},
    "dashboard.exports": ADMINS | {"supervisor"}, "dashboard.export_file": ADMINS | {"supervisor"},
    "dashboard.recap": {"central_admin", "supervisor"}, "dashboard.recap_start": {"central_admin", "supervisor"},
    "dashboard.recap_job": {"central_admin", "supervisor"},
    "dashboard.recap_job_status": {"central_admin", "supervisor"},
    "dashboard.recap_download": {"central_admin", "supervisor"},
    "dashboard.delivery": ADMINS, "dashboard.delivery_save": ADMINS,
    "host.inbox": {"host"}, "host.availability": {"host"}, "host.receive": {"host"},
    "host.unavailable": {"host"}, "host.admitted": {"host"}, "host.finished": {"host"},
    "admin.visit_returned": ADMINS | DESK,
    "admin.reports": ADMINS | {"supervisor"}, "admin.report_start": ADMINS | {"supervisor"},
    "admin.report_job": ADMINS | {"supervisor"}, "admin.report_job_status": ADMINS | {"supervisor"},
    "admin.report_download": ADMINS | {"supervisor"}, "admin.report_paper": ADMINS,
    "admin.report_plans": ADMINS,
    "admin.saran": ADMINS | {"supervisor"}, "admin.saran_reply": ADMINS,
    "public.poster": PUBLIC, "public.walk_in_survey": PUBLIC,
    "appointments_public.book": PUBLIC, "appointments_public.status": PUBLIC,
    "appointments_public.cancel": PUBLIC, "appointments_public.change": PUBLIC,
    "appointments_public.ticket": PUBLIC, "appointments_public.free_slots": PUBLIC,
    "appointments_public.static": PUBLIC,
    "appointments.index": ADMINS | DESK | {"supervisor"}, "appointments.ticket": ADMINS | DESK | {"supervisor", "host"},
    "appointments.approve": ADMINS | {"host"}, "appointments.decline": ADMINS | {"host"},
    "appointments.reschedule": ADMINS | {"host"}, "appointments.letter": ADMINS | {"host"},
    "appointments.settings": ADMINS, "appointments.invite": ADMINS | {"host"},
}
# Strings that exist only in office B's data (and in a second host's guest, for the host rule).
B_MARKERS = ("Kantor Rahasia Bravo", "Pejabat Rahasia Bravo", "Tamu Rahasia Bravo", "RAHASIA-B")
OTHER_HOST_GUEST = "Tamu Pejabat Lain"
SHARED_NIK = "6171014506900001"  # every registration the Tablet helper makes
B_ONLY_NIK = "6471055212990007"
PNG = b"\x89PNG\r\n\x1a\n" + b"b" * 32


def _push(client, tablet, events):
    response = client.post("/api/v1/push", json={"protocol": 1, "events": events}, headers=tablet.headers)
    assert response.status_code == 200, response.data
    return response.get_json()["ack"]


def _office_world(client, make_office, make_user, make_host, make_service, letter, names):
    office = make_office(code=names["code"], name=names["office"])
    host = make_host(office, name=names["host"])
    other_host = make_host(office, name=f"Pejabat Lain {letter}")
    service = make_service(office, name=f"Layanan {names['code']}")
    admin = make_user("office_admin", office, username=f"admin_{letter}")
    code, _ = create_enrollment_code(office, admin, f"Meja {letter}")
    device, token = enroll_device(code, f"Meja {letter}", "test")
    tablet = Tablet(token)
    sha = hashlib.sha256(PNG + letter.encode()).hexdigest()
    assert client.put(f"/api/v1/blobs/{sha}?kind=photo", data=PNG + letter.encode(),
                      headers={**tablet.headers, "Content-Type": "image/png"}).status_code == 201
    own_guest = tablet.registration(host_id=host.id, name=names["guest"], photo_sha=sha)
    other_guest = tablet.registration(host_id=other_host.id, name=f"{OTHER_HOST_GUEST} {letter}")
    notified = [tablet.event(e["visit_id"], "host_notified", {"channel": "app"}) for e in (own_guest, other_guest)]
    bad = tablet.registration(id_number="123", name=names["guest"])  # quarantined
    ack = _push(client, tablet, [own_guest, other_guest, *notified, bad])
    assert len(ack["quarantined"]) == 1
    survey_token, _, _ = create_survey_link(device, own_guest["visit_id"])
    staff = {role: make_user(role, office, username=f"{role}_{letter}",
                             **({"host_id": host.id} if role == "host" else {}))
             for role in ("office_admin", "supervisor", "receptionist", "security", "host")}
    quarantine_id = _db.session.scalar(select(Quarantine.id).where(Quarantine.office_id == office.id))
    from reports import jobs
    job_id = jobs.start_job("ikm", office.id, "2026-11", user_id=admin.id)["job_id"]
    from datetime import datetime, timezone

    from server.models import SurveyResponse
    saran = SurveyResponse(id=str(uuid.uuid4()), office_id=office.id, persyaratan=4,
                           saran=f"Saran untuk {names['office']}", submitted_at=datetime.now(timezone.utc))
    _db.session.add(saran)
    _db.session.commit()
    appointment_id = _booking(office, host, names["guest"])
    return {
        "office": office, "tablet": tablet, "device": device, "staff": staff,
        "params": {"office_id": office.id, "host_id": host.id, "service_id": service.id,
                   "user_id": staff["receptionist"].id, "device_id": device.id,
                   "item_id": quarantine_id, "visit_id": own_guest["visit_id"],
                   "code": office.code, "token": survey_token, "sha": sha, "job_id": job_id,
                   "response_id": saran.id, "appointment_id": appointment_id},
        "other_host_visit": other_guest["visit_id"],
    }


def _booking(office, host, guest: str) -> str:
    """Book the host (bookings by approval) for the next working day, with a letter."""
    from datetime import datetime, timedelta

    from server.appointments.operations import create_booking

    host.booking_mode = "approval"
    day = datetime.now(office.tz).date() + timedelta(days=1)
    while day.weekday() > 3:
        day += timedelta(days=1)
    appointment, _ = create_booking(office, host, {
        "date": day, "time": "09:00", "id_type": "ktp", "id_number": SHARED_NIK, "name": guest,
        "phone": "081255550101", "email": "", "institution": "", "purpose": "Audiensi"},
        letter=b"%PDF-1.4 " + guest.encode())
    _db.session.commit()
    return appointment.id


@pytest.fixture
def world(client, make_office, make_user, make_host, make_service):
    a = _office_world(client, make_office, make_user, make_host, make_service, "A", {
        "code": "ALFA", "office": "Kantor Alfa", "host": "Pejabat Alfa", "guest": "Tamu Alfa"})
    b = _office_world(client, make_office, make_user, make_host, make_service, "B", {
        "code": "RAHASIA-B", "office": B_MARKERS[0], "host": B_MARKERS[1], "guest": B_MARKERS[2]})
    central = make_user("central_admin", None, username="central")
    return {"a": a, "b": b, "central": central}


FIXED = {"path": "index.html", "filename": "css/sitamu.css", "table": "volume", "kind": "photo",
         "what": "visits", "fmt": "xlsx"}


def _url(rule, params: dict) -> str:
    values = {}
    for arg in rule.arguments:
        if arg == "table" and "any(" in rule.rule:
            continue
        if arg in FIXED:
            values[arg] = FIXED[arg]
        elif arg in params:
            values[arg] = params[arg]
        else:
            raise AssertionError(f"{rule.endpoint}: no test value for <{arg}>; add it to the matrix")
    out = rule.rule
    for arg, value in values.items():
        out = re.sub(r"<(?:[^:<>]+:)?%s>" % arg, str(value), out)
    # A table argument takes the first table its route offers.
    out = re.sub(r"<any\(([^),]*)[^)]*\):table>", lambda m: m.group(1).strip(), out)
    return out


def _office_b_rows() -> dict:
    """Every row that belongs to office B (by office_id or by being B), as stored."""
    out = {}
    with _db.engine.connect() as conn:
        office_b = conn.execute(select(_db.metadata.tables["office"].c.id)
                                .where(_db.metadata.tables["office"].c.code == "RAHASIA-B")).scalar()
        for table in _db.metadata.sorted_tables:
            if table.name in ("audit_log", "change_log"):
                continue
            column = table.c.get("office_id") if table.name != "office" else table.c.id
            if column is None:
                continue
            cols = [type_coerce(c, Text) if isinstance(c.type, Encrypted) else c for c in table.columns]
            cols = [c for c, raw in zip(cols, table.columns, strict=True)
                    if raw.name not in ("last_seen_at", "last_pull_at", "pull_cursor")]
            out[table.name] = conn.execute(select(*cols).where(column == office_b)
                                           .order_by(*table.primary_key.columns)).all()
    return out


def _routes(app):
    rules = [r for r in app.url_map.iter_rules()]
    missing = sorted({r.endpoint for r in rules} - set(POLICY))
    assert not missing, f"routes missing from the access matrix: {missing}"
    return rules


def _methods(rule):
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def test_every_route_is_in_the_matrix(app):
    _routes(app)


def test_visitors_not_logged_in_reach_only_public_routes(app, client, world):
    for rule in _routes(app):
        policy = POLICY[rule.endpoint]
        if policy == PUBLIC:
            continue
        url = _url(rule, world["a"]["params"])
        for method in _methods(rule):
            if policy == DEVICE:  # a well-formed request, only the token missing
                body = {"json": {"protocol": 1, "events": []}} if method == "POST" else {}
                response = client.open(url, method=method, headers=PROTO, **body)
            else:
                response = client.open(url, method=method)
            if policy == DEVICE:
                assert response.status_code == 401, (method, url, response.status_code)
            else:
                assert response.status_code == 302 and "/login" in response.headers["Location"], \
                    (method, url, response.status_code)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_each_role_reaches_only_its_routes_and_only_its_office(app, world, role):
    a, b = world["a"], world["b"]
    user = world["central"] if role == "central_admin" else a["staff"][role]
    client = app.test_client()
    response = client.post("/login", data={"username": user.username, "password": "password123"})
    assert response.status_code == 302
    reports_done()  # the fixtures' report jobs (A's and B's IKM) run in the background
    before = _office_b_rows()
    problems, checked, saw_b = [], 0, False
    for rule in _routes(app):
        policy = POLICY[rule.endpoint]
        if policy in (PUBLIC, DEVICE) or rule.endpoint == "auth.logout":
            continue
        allowed = role in policy
        own_params = dict(a["params"])
        if role == "host" and "visit_id" in rule.arguments:
            own_params["visit_id"] = a["params"]["visit_id"]  # the host's own guest
        for method in _methods(rule):
            own = client.open(_url(rule, own_params), method=method)
            checked += 1
            if not allowed:
                if own.status_code != 403:
                    problems.append(f"{role} {method} {rule.rule}: {own.status_code}, expected 403")
                continue
            if own.status_code in (401, 403) or own.status_code >= 500:
                problems.append(f"{role} {method} {rule.rule} (own office): {own.status_code}")
            if own.status_code == 302 and "/login" in own.headers.get("Location", ""):
                problems.append(f"{role} {method} {rule.rule} (own office): logged out")
            body = own.get_data(as_text=True) if own.mimetype in ("text/html", "application/json", "text/csv") else ""
            saw_b = saw_b or any(m in body for m in B_MARKERS)
            if role != "central_admin":
                leaked = [m for m in B_MARKERS if m in body]
                if leaked:
                    problems.append(f"{role} {method} {rule.rule}: shows office B data {leaked}")
            if role == "host" and OTHER_HOST_GUEST in body:
                problems.append(f"host {method} {rule.rule}: shows another host's guest")
            scoped_args = [arg for arg in rule.arguments if arg not in FIXED]
            if scoped_args and role != "central_admin":
                other = client.open(_url(rule, b["params"]), method=method)
                if other.status_code not in (403, 404):
                    problems.append(f"{role} {method} {rule.rule} (office B): {other.status_code}")
            if role == "host" and "visit_id" in rule.arguments:
                other_host = client.open(_url(rule, dict(own_params, visit_id=a["other_host_visit"])),
                                         method=method)
                if other_host.status_code not in (403, 404):
                    problems.append(f"host {method} {rule.rule} (another host's guest): {other_host.status_code}")
    if role != "central_admin":
        reports_done()
        after = _office_b_rows()
        changed = [name for name in before if before[name] != after[name]]
        if changed:
            problems.append(f"{role} changed office B rows in {changed}")
    assert problems == []
    assert checked >= 30
    # The markers are visible where they may be: the check above can see a leak.
    assert saw_b == (role == "central_admin")


def test_a_device_token_reaches_only_its_office(client, world):
    a, b = world["a"], world["b"]
    tablet = a["tablet"]
    # A guest known only at office B, and one (the fixtures' NIK) known at both offices.
    _push(client, b["tablet"], [b["tablet"].registration(id_number=B_ONLY_NIK, name=B_MARKERS[2])])
    before = _office_b_rows()
    # Pull: only office A's data.
    cursor, bodies = "", []
    for _ in range(20):
        response = client.get(f"/api/v1/pull?cursor={cursor}", headers=tablet.headers)
        assert response.status_code == 200
        bodies.append(response.get_data(as_text=True))
        page = response.get_json()
        cursor = page["cursor"]
        if not page["more"]:
            break
    pulled = "".join(bodies)
    assert "Tamu Alfa" in pulled or "Pejabat Alfa" in pulled
    assert not [m for m in B_MARKERS if m in pulled]
    # Push: events for office B's visit are not applied there.
    b_visit = b["params"]["visit_id"]
    intrusion = [tablet.event(b_visit, "cancelled", {"reason": "dibatalkan oleh tablet lain"}),
                 tablet.event(b_visit, "correction", {"fields": {"name": "Diubah dari Alfa"}})]
    response = client.post("/api/v1/push", json={"protocol": 1, "events": intrusion}, headers=tablet.headers)
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        ack = response.get_json()["ack"]
        assert not ack["stored"] and not ack["duplicate"], ack
    # A survey link for B's visit is refused; pushing under B's office code is refused.
    link = client.post("/api/v1/survey-links", json={"protocol": 1, "visit_id": b_visit}, headers=tablet.headers)
    assert link.status_code in (403, 404)
    as_b = client.post("/api/v1/push", json={"protocol": 1, "office": "RAHASIA-B",
                                             "events": [tablet.registration(name="Menyamar")]},
                       headers=tablet.headers)
    assert as_b.status_code in (400, 403) or not as_b.get_json()["ack"]["stored"]
    # A returning-guest lookup finds only office A's guests.
    lookups = [client.post("/api/v1/guests/lookup", json={"protocol": 1, "id_type": "ktp", "id_number": nik},
                           headers=tablet.headers) for nik in (B_ONLY_NIK, SHARED_NIK)]
    assert [r.status_code for r in lookups] == [200, 200]
    assert lookups[0].get_json()["found"] is False
    assert lookups[1].get_json()["found"] is True
    assert not [m for r in lookups for m in B_MARKERS if m in r.get_data(as_text=True)]
    assert _office_b_rows() == before
    # A revoked token reaches nothing.
    from server.api.operations import revoke_device
    revoke_device(a["device"], world["central"])
    _db.session.commit()
    assert client.get("/api/v1/pull", headers=tablet.headers).status_code == 401
    assert client.post("/api/v1/push", json={"protocol": 1, "events": []}, headers=tablet.headers).status_code == 401
    assert client.post("/api/v1/guests/lookup", json={"protocol": 1, "id_number": SHARED_NIK},
                       headers=tablet.headers).status_code == 401


def test_a_made_up_or_malformed_token_is_refused(client, world):
    for token in ("", "x", "A" * 43, str(uuid.uuid4()), world["a"]["params"]["token"]):
        headers = {**PROTO, "Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/pull", headers=headers).status_code == 401
