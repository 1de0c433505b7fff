"""Every page of the admin, host, dashboard and public areas, for every role and for anonymous
visitors: allowed roles get the page, everyone else 403 or the login page."""
import pytest

from server.api.operations import create_survey_link
from server.models import Attachment, Quarantine

ADMINS = {"central_admin", "office_admin"}
DESK = {"receptionist", "security"}
EVERYONE = {"central_admin", "office_admin", "supervisor", "receptionist", "security", "host",
            "anonymous"}
ROLES = sorted(EVERYONE)

# endpoint -> roles that may use it. A route missing here fails the test below, so a new page
# cannot ship without deciding who sees it.
ACCESS = {
    "admin.index": ADMINS,
    "admin.audit": ADMINS,
    "admin.audit_csv": ADMINS,
    "admin.offices": ADMINS,
    "admin.office_new": {"central_admin"},
    "admin.office_edit": ADMINS,
    "admin.office_logo": ADMINS,
    "admin.office_sop": ADMINS,
    "admin.staff": ADMINS,
    "admin.staff_new": ADMINS,
    "admin.staff_edit": ADMINS,
    "admin.hosts": ADMINS,
    "admin.host_new": ADMINS,
    "admin.host_edit": ADMINS,
    "admin.services": ADMINS,
    "admin.service_edit": ADMINS,
    "admin.devices": ADMINS,
    "admin.device_enrol": ADMINS,
    "admin.device_revoke": ADMINS,
    "admin.visits": ADMINS | DESK,
    "admin.visit_detail": ADMINS | DESK,
    "admin.visit_view_nik": ADMINS,
    "admin.visit_image": ADMINS,
    "admin.visit_returned": ADMINS | DESK,
    "admin.onsite": ADMINS | DESK | {"supervisor"},
    "admin.quarantine": ADMINS,
    "admin.quarantine_item": ADMINS,
    "admin.quarantine_dismiss": ADMINS,
    "admin.saran": ADMINS | {"supervisor"},
    "admin.saran_reply": ADMINS,
    "dashboard.index": ADMINS | {"supervisor"},
    "dashboard.table_csv": ADMINS | {"supervisor"},
    "dashboard.visits": ADMINS | {"supervisor"},
    "dashboard.visits_csv": ADMINS | {"supervisor"},
    "dashboard.exports": ADMINS | {"supervisor"},
    "dashboard.export_file": ADMINS | {"supervisor"},
    "dashboard.recap": {"central_admin", "supervisor"},
    "dashboard.recap_start": {"central_admin", "supervisor"},
    "dashboard.recap_job": {"central_admin", "supervisor"},
    "dashboard.recap_job_status": {"central_admin", "supervisor"},
    "dashboard.recap_download": {"central_admin", "supervisor"},
    "dashboard.delivery": ADMINS,
    "dashboard.delivery_save": ADMINS,
    "host.inbox": {"host"},
    "host.receive": {"host"},
    "host.unavailable": {"host"},
    "host.admitted": {"host"},
    "host.finished": {"host"},
    "host.availability": {"host"},
    "public.survey": EVERYONE,
    "public.ikm": EVERYONE,
    "public.poster": EVERYONE,
    "public.walk_in_survey": EVERYONE,
}
# Pages owned by the reports area (server/admin/reports.py) are tested there.
OTHER_AREAS = ("server.admin.reports",)


def my_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("admin", "host", "dashboard", "public"):
            continue
        if app.view_functions[rule.endpoint].__module__.startswith(OTHER_AREAS):
            continue
        yield rule


def test_every_route_of_the_area_has_an_access_rule(app):
    endpoints = {rule.endpoint for rule in my_rules(app)}
    assert endpoints == set(ACCESS), (endpoints ^ set(ACCESS))


@pytest.fixture
def world(db, staffed, tablet, make_visit):
    """Data every parameterised URL can point at."""
    s = staffed
    desk = tablet(s.office)
    visit = make_visit(desk, host=s.host)
    db.session.add(Attachment(sha256="ab" * 32, office_id=s.office.id, kind="logo",
                              content_type="image/png", size=4, data=b"\x89PNG"))
    s.office.logo_sha = "ab" * 32
    db.session.add(Attachment(sha256="cd" * 32, office_id=s.office.id, kind="photo",
                              content_type="image/jpeg", size=4, data=b"\xff\xd8\xff\xe0"))
    visit.photo_sha = "cd" * 32
    item = Quarantine(office_id=s.office.id, device_id=desk.device.id, record_id="x",
                      record_type="event", payload={"kind": "registration", "payload": {}},
                      errors={"payload.name": "is required"})
    db.session.add(item)
    db.session.commit()
    token, _, _ = create_survey_link(desk.device, visit.id)
    job = _finished_recap(s.office)
    return {"office_id": s.office.id, "user_id": s.users["receptionist"].id, "host_id": s.host.id,
            "service_id": s.service.id, "device_id": desk.device.id, "visit_id": visit.id,
            "item_id": item.id, "table": "ikm", "token": token, "code": s.office.code,
            "kind": "photo", "what": "visits", "fmt": "xlsx", "job_id": job,
            "response_id": _saran_response(s.office)}


def _saran_response(office) -> str:
    """A survey response with a saran, as its id (the saran page's reply URL)."""
    import uuid
    from datetime import datetime, timezone

    from server.extensions import db
    from server.models import SurveyResponse

    response = SurveyResponse(id=str(uuid.uuid4()), office_id=office.id, persyaratan=4,
                              saran="Parkir diperluas.", submitted_at=datetime.now(timezone.utc))
    db.session.add(response)
    db.session.commit()
    return response.id


def _finished_recap(office) -> str:
    """A recap of the office, made (so its download answers 200), as its job id."""
    import time

    from reports import jobs
    from reports.ikm_recap.job import start_recap

    job_id = start_recap([office.id], "2026-11", "xlsx")["job_id"]
    for _ in range(200):
        if jobs.job_status(job_id)["state"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert jobs.job_status(job_id)["state"] == "done"
    return job_id


# One value of an <any(...)> table argument per endpoint.
TABLE_OF = {"dashboard.visits_csv": "hours"}


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


@pytest.mark.parametrize("role", ROLES)
def test_each_page_is_served_only_to_the_roles_allowed(app, world, staffed, as_user, role):
    client = app.test_client() if role == "anonymous" else as_user(staffed.users[role])
    problems = []
    rules = sorted(my_rules(app), key=lambda r: ("GET" not in r.methods, r.rule))
    for rule in rules:
        values = {name: world[name] for name in rule.arguments}
        if "table" in values and rule.endpoint in TABLE_OF:
            values["table"] = TABLE_OF[rule.endpoint]
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        allowed = role in ACCESS[rule.endpoint]
        if "GET" in rule.methods:
            response = client.get(url)
            ok = response.status_code == 200 if allowed else \
                (response.status_code == 403 or _is_login_redirect(response))
        else:
            response = client.post(url, data={})
            ok = (response.status_code not in (401, 403) and not _is_login_redirect(response)
                  and response.status_code < 500) if allowed else \
                (response.status_code == 403 or _is_login_redirect(response))
        if not ok:
            problems.append(f"{rule.endpoint} {url}: {response.status_code}")
    assert not problems, f"{role}: " + "; ".join(problems)


def test_office_admin_is_refused_another_offices_pages(app, world, staffed, as_user):
    client = as_user(staffed.other_admin)
    for url in (f"/admin/offices/{world['office_id']}", f"/admin/offices/{world['office_id']}/sop",
                f"/admin/visits/{world['visit_id']}", f"/admin/hosts/{world['host_id']}",
                f"/admin/services/{world['service_id']}", f"/admin/staff/{world['user_id']}",
                f"/admin/quarantine/{world['item_id']}", f"/admin/onsite?office={world['office_id']}",
                f"/dashboard/?office={world['office_id']}"):
        assert client.get(url).status_code == 403, url


def test_host_cannot_answer_another_hosts_guest(app, world, staffed, as_user):
    client = as_user(staffed.other_host_user)
    response = client.post(f"/host/visits/{world['visit_id']}/receive")
    assert response.status_code == 403
