"""Issue 17: stateless server nodes. Two gunicorn processes and one RQ worker, each with its own
instance folder, on the same PostgreSQL database and Redis: a register asked for through one
node is made by the worker and downloaded through the other (README, "Several nodes")."""
import io
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import free_port

from ..conftest import utc

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/12"
SECRET = "multinode-test-secret"


def _redis_up() -> bool:
    try:
        from redis import Redis

        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False


pytestmark = pytest.mark.skipif(
    not os.environ.get("SITAMU_TEST_DATABASE_URL", "").startswith("postgres") or not _redis_up(),
    reason="needs SITAMU_TEST_DATABASE_URL on PostgreSQL and Redis at 127.0.0.1:6379")


def node_env(app, instance: Path) -> dict:
    """Return the environment of one node: its own instance folder, everything else shared."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "SITAMU_INSTANCE_PATH": str(instance),
           "SITAMU_DATABASE_URL": os.environ["SITAMU_TEST_DATABASE_URL"], "SITAMU_REDIS_URL": REDIS_URL,
           "SITAMU_SECRET_KEY": SECRET, "SITAMU_DATA_KEY": app.config["SITAMU_DATA_KEY"],
           "SITAMU_LOG_LEVEL": "WARNING", "SITAMU_PUBLIC_URL": "http://127.0.0.1"}
    env.pop("SITAMU_DATA_KEYS_OLD", None)
    return env


def start_node(app, processes, instance: Path) -> str:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(REPO / "deploy" / "gunicorn.conf.py"),
                             "-w", "1", "-b", f"127.0.0.1:{port}", "server:create_app()"],
                            cwd=REPO, env=node_env(app, instance), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    processes.append(proc)
    return f"http://127.0.0.1:{port}"


def wait_until_up(processes, url: str, timeout: float = 60) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in processes:
            assert proc.poll() is None, proc.stderr.read()[-2000:]
        try:
            if requests.get(f"{url}/login", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    pytest.fail(f"{url} did not come up")


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()
    assert len(PdfReader(io.BytesIO(data)).pages) >= 2
    return text


def test_register_asked_on_one_node_is_downloaded_on_another(app, db, make_office, make_host, make_user,
                                                             processes, tmp_path, artifacts):
    import requests
    from redis import Redis

    from reports.jobs import QUEUE_NAME, build_report
    from server.models import Visit

    office = make_office(signer_name="Drs. Ahmad Fauzi", signer_position="Kepala Bagian Umum")
    host = make_host(office)
    for n in range(30):
        db.session.add(Visit(id=str(uuid.uuid4()), office_id=office.id, stage="checked_out", queue_number="A-001",
                             id_type="ktp", id_number="6171010101900001", name=f"Tamu Simpul {n + 1}",
                             institution="Dinas Pendidikan", purpose="Koordinasi kegiatan", host_id=host.id,
                             registered_at=utc(2026, 10, 1 + n, 2)))
    db.session.commit()
    user = make_user("office_admin", office)
    Redis.from_url(REDIS_URL).delete(f"rq:queue:{QUEUE_NAME}")  # no job left by an earlier run

    folders = {name: tmp_path / f"instance-{name}" for name in ("a", "b", "worker")}
    node_a = start_node(app, processes, folders["a"])
    node_b = start_node(app, processes, folders["b"])
    worker = subprocess.Popen([str(Path(sys.executable).with_name("sitamu")), "worker"], cwd=REPO,
                              env=node_env(app, folders["worker"]), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    processes.append(worker)
    wait_until_up(processes, node_a)
    wait_until_up(processes, node_b)

    # Log in through node A; the session cookie (signed with the shared secret key) works on B.
    browser = requests.Session()
    login_page = browser.get(f"{node_a}/login", timeout=10).text
    response = browser.post(f"{node_a}/login", data={"username": user.username, "password": "password123",
                                                     "csrf_token": csrf_token(login_page)},
                            allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text[:500]
    token = csrf_token(browser.get(f"{node_a}/admin/reports", timeout=10).text)
    job = browser.post(f"{node_a}/admin/reports/jobs", headers={"Accept": "application/json"}, timeout=30,
                       data={"kind": "register", "office_id": office.id, "period": "2026-10",
                             "csrf_token": token})
    assert job.status_code == 202, job.text[:500]
    job = job.json()
    assert job["state"] == "queued"

    # Progress and the download through node B: it never saw the job being asked for.
    deadline = time.monotonic() + 240
    while True:
        status = browser.get(f"{node_b}/admin/reports/jobs/{job['job_id']}/status",
                             headers={"Accept": "application/json"}, timeout=10).json()
        if status["state"] in ("done", "failed") or time.monotonic() > deadline:
            break
        for proc in processes:
            assert proc.poll() is None, proc.stderr.read()[-2000:]
        time.sleep(0.5)
    assert status["state"] == "done", status
    download = browser.get(f"{node_b}{status['download_url']}", timeout=60)
    assert download.status_code == 200 and download.headers["Content-Type"] == "application/pdf"
    assert f"buku-tamu-{office.code.lower()}-2026-10.pdf" in download.headers["Content-Disposition"]
    assert int(download.headers["Content-Length"]) == len(download.content)
    assert browser.get(f"{node_a}{status['download_url']}", timeout=60).content == download.content

    (artifacts / "multinode-register.pdf").write_bytes(download.content)
    text = pdf_text(download.content)
    assert "Tamu Simpul 1" in text and "Tamu Simpul 30" in text and "Drs. Ahmad Fauzi" in text
    # The same register rendered here, from scratch, reads the same.
    db.session.expire_all()
    path, stats = build_report("register", office.id, "2026-10", workers=1, force=True)
    assert not stats["cached"] and stats["key"] == job["job_id"]
    assert pdf_text(path.read_bytes()) == text

    # Only the worker rendered: its instance folder holds the parts; the web nodes' hold none.
    assert any((folders["worker"] / "reports" / "chunks" / str(office.id) / "2026-10").glob("*.pdf"))
    for name in ("a", "b"):
        assert not list((folders[name] / "reports").rglob("*.pdf")), name
