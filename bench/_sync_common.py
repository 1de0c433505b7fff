"""Shared set-up of the sync benchmarks: a fresh database, a server process, a tablet."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DATA_KEY = "22" * 32


def database_urls(which: str) -> list[tuple[str, str]]:
    """Return [(name, url)] of the databases to measure: a temp SQLite file and/or PostgreSQL."""
    out = []
    if which in ("sqlite", "both"):
        out.append(("sqlite", f"sqlite:///{tempfile.mkdtemp(prefix='sitamu-bench-')}/bench.db"))
    if which in ("postgresql", "both"):
        url = os.environ.get("SITAMU_BENCH_PG", "postgresql://postgres@127.0.0.1/sitamu_bench")
        out.append(("postgresql", url))
    return out


def make_app(url: str):
    """Return an app on a database freshly brought to the current schema."""
    from sqlalchemy import text

    from server import create_app
    from server.config import normalize_database_url
    from server.extensions import db

    if url.startswith("postgresql"):
        base, name = url.rsplit("/", 1)
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"create database {name}"],
                       capture_output=True)
    instance = tempfile.mkdtemp(prefix="sitamu-bench-inst-")
    app = create_app({"INSTANCE_PATH": instance, "SQLALCHEMY_DATABASE_URI": normalize_database_url(url),
                      "SITAMU_DATA_KEY": DATA_KEY, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        from flask_migrate import upgrade

        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    return app, instance


def seed_office(app, n_hosts: int = 5, retention_days: int = 30):
    """Create an office with hosts; return (office id, [host ids])."""
    from server.extensions import db
    from server.models import Host, Office

    with app.app_context():
        office = Office(code=f"BENCH-{uuid.uuid4().hex[:6]}", name="Kantor Uji Beban", timezone="Asia/Jakarta",
                        sop_template="kalbar-2021", device_retention_days=retention_days)
        db.session.add(office)
        db.session.flush()
        hosts = [Host(office_id=office.id, name=f"Pejabat {i}") for i in range(n_hosts)]
        db.session.add_all(hosts)
        db.session.commit()
        return office.id, [h.id for h in hosts]


def enrol_code(app, office_id: int) -> str:
    from server.api.operations import create_enrollment_code
    from server.extensions import db
    from server.models import Office

    with app.app_context():
        code, _ = create_enrollment_code(db.session.get(Office, office_id), None, "Bench")
        return code


SERVE = """
import sys
from server import create_app
app = create_app({"INSTANCE_PATH": sys.argv[2], "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "SITAMU_DATA_KEY": "%s", "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                  "SITAMU_LOG_LEVEL": "WARNING"})
from werkzeug.serving import make_server
make_server("127.0.0.1", int(sys.argv[3]), app, threaded=True).serve_forever()
""" % DATA_KEY


def start_server(url: str, instance: str):
    """Start the app in its own process (as production would); return (process, base URL)."""
    from server.config import normalize_database_url

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    workers = os.environ.get("SITAMU_BENCH_WORKERS", "2")
    if os.environ.get("SITAMU_BENCH_SERVER", "gunicorn") == "gunicorn":
        # As deployed: gunicorn, sync workers, configured by the environment.
        env = {**os.environ, "PYTHONPATH": str(REPO), "SITAMU_DATABASE_URL": normalize_database_url(url),
               "SITAMU_INSTANCE_PATH": instance, "SITAMU_DATA_KEY": DATA_KEY, "SITAMU_SECRET_KEY": "bench",
               "SITAMU_LOG_LEVEL": "WARNING",
               # As in production: several workers share limits through Redis (deploy/gunicorn.conf.py
               # refuses to start them without it).
               "SITAMU_REDIS_URL": os.environ.get("SITAMU_REDIS_URL", "redis://127.0.0.1:6379/14")}
        command = [sys.executable, "-m", "gunicorn", "-w", workers, "-b", f"127.0.0.1:{port}",
                   "--log-level", "warning", "--preload", "server:create_app()"]
    else:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        command = [sys.executable, "-c", SERVE, normalize_database_url(url), instance, str(port)]
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import requests

    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            # Every worker has booted when a few answers in a row come quickly.
            if all(requests.get(f"{base}/api/v1/time", timeout=0.5).ok for _ in range(4)):
                return proc, base
        except requests.RequestException:
            pass
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not start")


FLOW = [("verification", {"ok": True}, "cocokkan_identitas"),
        ("host_notified", {"channel": "phone"}, "hubungi_petugas"),
        ("host_received", {}, "menerima_tamu"),
        ("admitted", {"time_limit_minutes": 60}, None),
        ("finished", {}, "memberikan_pelayanan"),
        ("checked_out", {"card_returned": True, "ktp_returned": True}, None)]


def visit_events(client, host_ids, n: int, rng, start: datetime | None = None, full: bool = True):
    """Record n visits (registration and, if `full`, the whole flow) in the client's outbox."""
    start = start or datetime.now(timezone.utc) - timedelta(hours=3)
    made = []
    for i in range(n):
        visit_id = str(uuid.uuid4())
        at = start + timedelta(seconds=i * 3)
        made.append(client.record(visit_id, "registration", {
            "queue_number": f"A{i % 1000:03d}", "id_type": "ktp",
            "id_number": f"6171{rng.randint(10**11, 10**12 - 1)}",
            "name": rng.choice(["Siti Aminah", "Budi Santoso", "Rahmat Hidayat", "Dewi Lestari"]),
            "phone": f"0812{rng.randint(10**7, 10**8 - 1)}", "institution": "CV Maju Bersama",
            "address": "Jl. Ahmad Yani No. 12, Pontianak", "purpose": "Konsultasi pengadaan barang",
            "host_id": rng.choice(host_ids), "consent_version": "2026-01",
            "photo_sha": uuid.uuid4().hex * 2}, actor="guest", step="isi_buku_tamu", at=at))
        if full:
            for j, (kind, payload, step) in enumerate(FLOW, start=1):
                made.append(client.record(visit_id, kind, payload, step=step,
                                          at=at + timedelta(minutes=j * 4)))
    return made
