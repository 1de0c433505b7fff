"""Issue 13 (items 14 and 15): the front end as shipped. Debian's nginx with
deploy/nginx/sitamu.conf in front of gunicorn (deploy/gunicorn.conf.py) holds slow clients, so the app
still answers; rate limits hold across several gunicorn workers through Redis, and gunicorn
refuses several workers without Redis."""
import http.client
import os
import socket
import ssl
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from server.extensions import db as _db
from server.models import Office
from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[2]
NGINX = "/usr/sbin/nginx"
DATA_KEY = "11" * 32
REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def site(make_app, tmp_path):
    """A Sitamu instance on a SQLite file with one office and an enrolled tablet's token."""
    from flask_migrate import upgrade

    from server.api.operations import create_enrollment_code, enroll_device

    instance = tmp_path / "instance"
    database = f"sqlite:///{instance / 'sitamu.db'}"
    app = make_app(INSTANCE_PATH=str(instance), SQLALCHEMY_DATABASE_URI=database)
    with app.app_context():
        upgrade()
        office = Office(code="FRONT", name="Kantor Depan", sop_template="kalbar-2021", timezone="Asia/Jakarta",
                        letterhead=["PEMERINTAH PROVINSI UJI", "KANTOR DEPAN"])
        _db.session.add(office)
        _db.session.commit()
        _device, token = enroll_device(create_enrollment_code(office, None, "Meja")[0], "Meja", "test")
        _db.session.remove()
        _db.engine.dispose()
    return {"instance": instance, "database": database, "token": token}


def _gunicorn(site, workers: int, redis: bool, extra: list[str] | None = None):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "SITAMU_INSTANCE_PATH": str(site["instance"]),
           "SITAMU_DATABASE_URL": site["database"], "SITAMU_SECRET_KEY": "front-end-test",
           "SITAMU_DATA_KEY": DATA_KEY, "SITAMU_LOG_LEVEL": "WARNING", "SITAMU_PROXY_COUNT": "1"}
    env.pop("SITAMU_REDIS_URL", None)
    if redis:
        env["SITAMU_REDIS_URL"] = REDIS_URL
    command = [sys.executable, "-m", "gunicorn", "-c", str(REPO / "deploy" / "gunicorn.conf.py"), "-w", str(workers),
               "-b", f"127.0.0.1:{port}", *(extra or []), "server:create_app()"]
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    return proc, port


def _wait_until_up(proc, port: int, tls: bool = False, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        try:
            if _get(port, "/login", tls=tls, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"server on port {port} did not come up")


def _connection(port: int, tls: bool, timeout: float):
    if tls:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        return http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=context)
    return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)


def _get(port: int, path: str, tls: bool = False, timeout: float = 5, headers: dict | None = None):
    conn = _connection(port, tls, timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _lookup(port: int, token: str) -> int:
    conn = _connection(port, False, 10)
    try:
        conn.request("POST", "/api/v1/guests/lookup", body=b'{"protocol": 1, "id_number": "6171014506900001"}',
                     headers={"Content-Type": "application/json", "X-Sitamu-Protocol": "1",
                              "Authorization": f"Bearer {token}", "Connection": "close"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


# -- item 15: limits across workers ------------------------------------------------------------

def test_gunicorn_refuses_several_workers_without_redis(site, processes):
    proc, _port = _gunicorn(site, workers=2, redis=False)
    processes.append(proc)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "SITAMU_REDIS_URL" in err and "2 workers" in err


def test_the_guest_lookup_limit_holds_across_gunicorn_workers_with_redis(site, processes, tmp_path):
    import redis

    redis.Redis.from_url(REDIS_URL).ping()
    access = tmp_path / "access.log"
    proc, port = _gunicorn(site, workers=3, redis=True,
                           extra=["--access-logfile", str(access), "--access-logformat", "%(p)s %(s)s"])
    processes.append(proc)
    _wait_until_up(proc, port)
    with ThreadPoolExecutor(max_workers=9) as pool:
        statuses = list(pool.map(lambda _: _lookup(port, site["token"]), range(45)))
    # The tablet's token is new: its count starts at zero in Redis.
    assert statuses.count(200) == 30 and statuses.count(429) == 15, statuses
    served_by = {line.split()[0] for line in access.read_text().splitlines()
                 if line.split()[1] in ("200", "429")}
    assert len(served_by) >= 2, "the lookups were spread over several workers"


# -- item 14: nginx in front ------------------------------------------------------------------

def _nginx_config(tmp_path: Path, app_port: int, tls_port: int, http_port: int) -> Path:
    """Write nginx.conf around the shipped site file, changed only in ports, paths and the
    certificate (each change must find its text: the shipped file is what is tested)."""
    logs = tmp_path / "logs"
    logs.mkdir()
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=localhost", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    site_conf = (REPO / "deploy" / "nginx" / "sitamu.conf").read_text()
    for old, new in {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{tls_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "/etc/ssl/sitamu/fullchain.pem": str(cert),
        "/etc/ssl/sitamu/privkey.pem": str(key),
        "/var/log/nginx/": f"{logs}/",
        "/opt/sitamu/": f"{REPO}/",
    }.items():
        assert old in site_conf, old
        site_conf = site_conf.replace(old, new)
    (tmp_path / "sitamu.conf").write_text(site_conf)
    temp = {name: tmp_path / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    main = tmp_path / "nginx.conf"
    main.write_text(f"""
user root;
worker_processes 1;
daemon off;
pid {tmp_path}/nginx.pid;
error_log {logs}/main-error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {temp['body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    include {tmp_path}/sitamu.conf;
}}
""")
    return main


def _slow_clients(port: int, count: int, tls: bool) -> list[socket.socket]:
    """Open `count` connections that send headers and a sliver of a 100 kB body, then wait."""
    opened = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        if tls:
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            sock = context.wrap_socket(sock)
        sock.sendall(b"POST /login HTTP/1.1\r\nHost: localhost\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
                     b"username=lambat&password=")
        opened.append(sock)
    return opened


def test_nginx_holds_slow_clients_so_the_app_still_answers(site, processes, tmp_path):
    assert os.path.exists(NGINX), "Debian's nginx is missing: run .ci/setup --test"
    app, app_port = _gunicorn(site, workers=1, redis=False)  # one worker: the harshest case
    processes.append(app)
    _wait_until_up(app, app_port)
    tls_port, http_port = free_port(), free_port()
    config = _nginx_config(tmp_path, app_port, tls_port, http_port)
    checked = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    nginx = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(config)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    processes.append(nginx)
    _wait_until_up(nginx, tls_port, tls=True)

    # Straight at gunicorn, eight slow bodies hold its worker: a normal request gets no answer.
    direct = _slow_clients(app_port, 8, tls=False)
    try:
        with pytest.raises(OSError):  # socket.timeout
            _get(app_port, "/login", timeout=3)
    finally:
        for sock in direct:
            sock.close()

    # Through nginx, twelve slow bodies are nginx's to wait for; the app answers at once.
    held = _slow_clients(tls_port, 12, tls=True)
    try:
        started = time.monotonic()
        status, headers, body = _get(tls_port, "/login", tls=True, timeout=5)
        assert status == 200 and b"Sitamu" in body
        assert time.monotonic() - started < 5  # a liveness bound, not a speed measurement
        # A whole request still goes through (the login form, refused: wrong password).
        conn = _connection(tls_port, True, 5)
        conn.request("POST", "/login", body="username=tidak.ada&password=salah",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert conn.getresponse().status in (400, 401)
        conn.close()
    finally:
        for sock in held:
            sock.close()

    # The rest of the shipped file: plain HTTP goes to https, static files are compressed,
    # a body over 8 MiB is refused by nginx, and no path reaches the access log.
    status, headers, _ = _get(http_port, "/p/survey/abc", timeout=5)
    assert status == 301 and headers["Location"].startswith("https://")
    status, headers, _ = _get(tls_port, "/static/css/sitamu.css", tls=True, headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("Content-Encoding") == "gzip"
    status, headers, _ = _get(tls_port, "/login", tls=True, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in headers, "no compression of pages with tokens"
    conn = _connection(tls_port, True, 5)
    conn.putrequest("POST", "/api/v1/push")
    conn.putheader("Content-Length", str(9 * 1024 * 1024))
    conn.endheaders()
    assert conn.getresponse().status == 413
    conn.close()
    token = uuid.uuid4().hex
    _get(tls_port, f"/p/survey/{token}", tls=True)
    access = (tmp_path / "logs" / "sitamu-access.log").read_text()
    assert access and token not in access and "/p/survey" not in access
