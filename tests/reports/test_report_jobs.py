"""Report jobs: made in the background (thread or RQ on Redis), progress, download, access."""
import time
import uuid

import pytest

from server.models import AuditLog

from .conftest import pdf_text, utc


def wait_for(client, url: str, limit: float = 120) -> dict:
    """Poll a job's status URL until it is done or failed."""
    deadline = time.monotonic() + limit
    while True:
        status = client.get(url, headers={"Accept": "application/json"}).get_json()
        if status["state"] in ("done", "failed") or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


@pytest.fixture
def busy_office(make_office, make_visit, make_host, make_signature, db):
    office = make_office(signer_name="Drs. Ahmad Fauzi", signer_position="Kepala Bagian Umum",
                         signer_nip="19750505 200003 1 003")
    host = make_host(office)
    sig = make_signature(office, 3)
    for n in range(25):
        make_visit(office, utc(2026, 10, 1 + n, 2), name=f"Tamu {n + 1}", host_id=host.id, signature_sha=sig,
                   commit=False)
    db.session.commit()
    return office


def test_admin_gets_the_register_from_a_background_job(client, db, busy_office, make_user, login):
    login(make_user("office_admin", busy_office))
    response = client.post("/admin/reports/jobs", data={"kind": "register", "office_id": busy_office.id,
                                                        "period": "2026-10"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and b"report-progress.js" in page.data
    job_id = response.headers["Location"].rstrip("/").split("/")[-1]
    status = wait_for(client, f"/admin/reports/jobs/{job_id}/status")
    assert status["state"] == "done", status
    download = client.get(status["download_url"])
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert f"buku-tamu-{busy_office.code.lower()}-2026-10.pdf" in download.headers["Content-Disposition"]
    pages, text = pdf_text(download.data)
    assert pages == 3 and "Tamu 25" in text and "Halaman 3 dari 3" in text
    actions = set(db.session.scalars(db.select(AuditLog.action)))
    assert {"report.request", "report.download"} <= actions
    # Asking again with unchanged data reuses the same job and its PDF at once.
    again = client.post("/admin/reports/jobs", data={"kind": "register", "office_id": busy_office.id,
                                                     "period": "2026-10"}, headers={"Accept": "application/json"})
    assert again.status_code == 202
    assert again.get_json()["job_id"] == job_id and again.get_json()["state"] == "done"


def test_job_of_another_office_is_forbidden(client, db, busy_office, make_office, make_user, login):
    login(make_user("office_admin", busy_office))
    job = client.post("/admin/reports/jobs", data={"kind": "ikm", "office_id": busy_office.id, "period": "2026"},
                      headers={"Accept": "application/json"}).get_json()
    wait_for(client, job["status_url"])
    client.post("/logout")
    login(make_user("office_admin", make_office()))
    assert client.get(job["status_url"]).status_code == 403
    assert client.get(f"/admin/reports/jobs/{job['job_id']}/download").status_code == 403
    forbidden = client.post("/admin/reports/jobs", data={"kind": "ikm", "office_id": busy_office.id,
                                                         "period": "2026"})
    assert forbidden.status_code == 403


@pytest.mark.parametrize("form, field", [
    ({"kind": "register", "period": "2026-Q4"}, "period"),
    ({"kind": "ikm", "period": "2026-13"}, "period"),
    ({"kind": "summary", "period": "2026-10"}, "kind"),
    ({"kind": "ikm", "period": "2026", "population": "lots"}, "population"),
])
def test_bad_report_request_names_the_field(client, busy_office, make_user, login, form, field):
    login(make_user("office_admin", busy_office))
    response = client.post("/admin/reports/jobs", data={"office_id": busy_office.id, **form},
                           headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]


def test_desk_staff_cannot_make_reports(client, busy_office, make_user, login):
    login(make_user("receptionist", busy_office))
    assert client.get("/admin/reports").status_code == 403
    assert client.post("/admin/reports/jobs", data={"kind": "ikm", "office_id": busy_office.id,
                                                    "period": "2026"}).status_code == 403


def test_rq_worker_on_redis_builds_the_report(app, client, db, busy_office, make_user, login):
    from redis import Redis
    from rq import Queue, SimpleWorker

    url = "redis://127.0.0.1:6379/15"
    try:
        Redis.from_url(url).ping()
    except Exception:  # noqa: BLE001
        pytest.fail("Redis at 127.0.0.1:6379 is needed for the RQ test")
    app.config["SITAMU_REDIS_URL"] = url
    queue_name = f"sitamu-reports-test-{uuid.uuid4().hex[:6]}"
    from reports import jobs

    original, jobs.QUEUE_NAME = jobs.QUEUE_NAME, queue_name
    try:
        login(make_user("office_admin", busy_office))
        job = client.post("/admin/reports/jobs", data={"kind": "ikm", "office_id": busy_office.id,
                                                       "period": "2026-10"},
                          headers={"Accept": "application/json"}).get_json()
        assert job["state"] == "queued"
        connection = Redis.from_url(url)
        queue = Queue(queue_name, connection=connection)
        assert queue.count == 1
        SimpleWorker([queue], connection=connection).work(burst=True)
        status = client.get(job["status_url"]).get_json()
        assert status["state"] == "done", status
        pages, text = pdf_text(client.get(status["download_url"]).data)
        assert "Oktober 2026" in text
    finally:
        jobs.QUEUE_NAME = original
        app.config["SITAMU_REDIS_URL"] = None
        Redis.from_url(url).delete(f"rq:queue:{queue_name}")


@pytest.mark.browser
def test_report_page_shows_progress_then_the_download(live_server, browser, db, busy_office, make_user,
                                                     artifacts):
    user = make_user("office_admin", busy_office)
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "password123")
    page.click("button[type=submit]")
    page.goto(f"{live_server}/admin/reports")
    page.screenshot(path=str(artifacts / "admin-reports.png"), full_page=True)
    page.fill("#reg-month", "2026-10")
    page.click("text=Buat PDF buku tamu")
    link = page.locator("[data-report-download]")
    link.wait_for(state="visible", timeout=120_000)
    page.screenshot(path=str(artifacts / "admin-report-job-done.png"), full_page=True)
    assert page.locator("progress").get_attribute("value") == "100"
    with page.expect_download() as download:
        link.click()
    data = open(download.value.path(), "rb").read()
    assert data.startswith(b"%PDF")
    assert errors == []
    page.close()


# --- stateless nodes (issue 17): documents and job states in the database -------------------

def _other_node(app, instance):
    """Return a second app on the same database with its own instance folder (another node)."""
    from server import create_app

    keys = ("TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "SITAMU_DATA_KEY", "WTF_CSRF_ENABLED",
            "RATELIMIT_ENABLED", "SESSION_COOKIE_SECURE")
    return create_app({**{key: app.config[key] for key in keys}, "INSTANCE_PATH": str(instance)})


def _dispose(other):
    from server.extensions import db as _db

    with other.app_context():
        _db.session.remove()
        _db.engine.dispose()


def test_a_report_made_on_one_node_downloads_from_another_with_its_own_instance_folder(
        app, client, db, busy_office, make_user, login, tmp_path):
    user = make_user("office_admin", busy_office)
    login(user)
    job = client.post("/admin/reports/jobs", data={"kind": "register", "office_id": busy_office.id,
                                                   "period": "2026-10"}, headers={"Accept": "application/json"})
    status = wait_for(client, job.get_json()["status_url"])
    assert status["state"] == "done", status
    here = client.get(status["download_url"]).data
    other = _other_node(app, tmp_path / "other-node")
    try:
        browser = other.test_client()
        assert browser.post("/login", data={"username": user.username, "password": "password123"}).status_code == 302
        seen = browser.get(status["status_url"], headers={"Accept": "application/json"}).get_json()
        assert seen["state"] == "done" and seen["download_url"] == status["download_url"]
        download = browser.get(status["download_url"])
        assert download.status_code == 200 and download.data == here
        assert int(download.headers["Content-Length"]) == len(here)
        assert "Tamu 25" in pdf_text(download.data)[1]
        # Asked for again on the other node: the same job, done at once, nothing rendered there.
        again = browser.post("/admin/reports/jobs", data={"kind": "register", "office_id": busy_office.id,
                                                          "period": "2026-10"}, headers={"Accept": "application/json"})
        assert again.get_json()["job_id"] == status["job_id"] and again.get_json()["state"] == "done"
        assert not list((tmp_path / "other-node").rglob("*.pdf"))
    finally:
        _dispose(other)


def test_removing_a_guest_forgets_the_month_on_every_node(app, db, make_office, make_visit, tmp_path):
    from reports import jobs
    from server.models import ReportDocument
    from server.privacy.retention import purge_visit

    office = make_office()
    gone = make_visit(office, utc(2026, 10, 5, 2, 0), name="Rahmat Hidayat")
    make_visit(office, utc(2026, 11, 2, 2, 0), name="Budi Santoso")
    jobs.build_report("register", office.id, "2026-10", workers=1)
    jobs.build_report("register", office.id, "2026-11", workers=1)
    other = _other_node(app, tmp_path / "other-node")
    try:
        with other.app_context():  # the other node renders October itself and gets November from the store
            october, _ = jobs.build_report("register", office.id, "2026-10", workers=1, force=True)
            november, stats = jobs.build_report("register", office.id, "2026-11", workers=1)
            assert stats["cached"] and november.exists()
        local = [tmp_path / "other-node" / "reports" / kind / str(office.id) / "2026-10" for kind in ("docs", "chunks")]
        assert all(any(folder.glob("*.pdf")) for folder in local)
        purge_visit(gone)
        db.session.commit()
        kept = {(d.period) for d in db.session.scalars(db.select(ReportDocument)
                                                        .where(ReportDocument.office_id == office.id))}
        assert kept == {"2026-11"}  # the store no longer has October, for any node
        with other.app_context():
            assert jobs.sweep_forgotten() >= 2
        assert not any(any(folder.glob("*.pdf")) for folder in local)
        assert november.exists()
        with other.app_context():
            path, stats = jobs.build_report("register", office.id, "2026-10", workers=1)
            assert not stats["cached"] and "Rahmat" not in pdf_text(path.read_bytes())[1]
    finally:
        _dispose(other)


def test_documents_and_job_states_unused_for_a_month_are_pruned(app, db, make_office):
    from datetime import datetime, timedelta, timezone

    from reports import jobs
    from server.models import ReportDocument, ReportJob

    office = make_office()
    old = datetime.now(timezone.utc) - timedelta(days=31)
    for key, made in (("old", old), ("new", datetime.now(timezone.utc))):
        db.session.add(ReportDocument(key=key * 8, kind="ikm", office_id=office.id, period="2026-10",
                                      content_type="application/pdf", size=4, data=b"%PDF", made_at=made))
        db.session.add(ReportJob(id=key * 8, status="{}", updated_at=made))
    db.session.commit()
    jobs.prune_store()
    assert set(db.session.scalars(db.select(ReportDocument.key))) == {"new" * 8}
    assert set(db.session.scalars(db.select(ReportJob.id))) == {"new" * 8}


def test_plain_rq_worker_with_the_app_worker_class_runs_report_jobs(app, client, db, busy_office, make_user,
                                                                    login, tmp_path):
    """README: `rq worker --worker-class server.worker.AppWorker` runs the jobs (the reports
    package never builds the app itself)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from redis import Redis

    from reports import jobs

    url = "redis://127.0.0.1:6379/11"
    try:
        Redis.from_url(url).ping()
    except Exception:  # noqa: BLE001
        pytest.fail("Redis at 127.0.0.1:6379 is needed for the RQ test")
    Redis.from_url(url).delete(f"rq:queue:{jobs.QUEUE_NAME}")
    app.config["SITAMU_REDIS_URL"] = url
    try:
        login(make_user("office_admin", busy_office))
        job = client.post("/admin/reports/jobs", data={"kind": "ikm", "office_id": busy_office.id,
                                                       "period": "2026-10"},
                          headers={"Accept": "application/json"}).get_json()
        assert job["state"] == "queued"
    finally:
        app.config["SITAMU_REDIS_URL"] = None
    env = {**os.environ, "SITAMU_INSTANCE_PATH": str(tmp_path / "worker"),
           "SITAMU_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SITAMU_REDIS_URL": url,
           "SITAMU_SECRET_KEY": app.config["SECRET_KEY"], "SITAMU_DATA_KEY": app.config["SITAMU_DATA_KEY"]}
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run([str(Path(sys.executable).with_name("rq")), "worker", "--burst", "--url", url,
                           "--worker-class", "server.worker.AppWorker", jobs.QUEUE_NAME],
                          cwd=repo, env={**env, "PYTHONPATH": str(repo)}, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    status = client.get(job["status_url"]).get_json()
    assert status["state"] == "done", (status, done.stderr[-2000:])
    assert "Oktober 2026" in pdf_text(client.get(status["download_url"]).data)[1]


def test_reports_never_build_the_app():
    """The reports package sits below the web app: it never imports server's app factory (the
    worker entry point, server/worker.py, makes the app context jobs run in)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "reports"
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "server" \
                    and any(alias.name == "create_app" for alias in node.names):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_purging_two_guests_of_one_month_together_records_the_month_once(app, db, make_office, make_visit):
    from server.models import ReportForget
    from server.privacy.retention import purge_visit

    office = make_office()
    first = make_visit(office, utc(2026, 10, 5, 2, 0), name="Rahmat Hidayat")
    second = make_visit(office, utc(2026, 10, 9, 2, 0), name="Dewi Lestari")
    purge_visit(first)
    purge_visit(second)  # the same month, before anything is flushed
    db.session.commit()
    assert [(m.office_id, m.period) for m in db.session.scalars(db.select(ReportForget))] == [(office.id, "2026-10")]
