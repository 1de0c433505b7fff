"""Benchmark the desk app in Debian's Chromium; print one JSON object.

    python bench/pwa.py [--registrations 100]

On a scratch SQLite database served over real HTTP on localhost:
- shell_bytes: the app shell the service worker precaches (bytes in its Cache Storage);
- cold_start_offline_ms: a restarted browser, no network, opening /app/ until the kiosk screen
  is rendered and interactive (median of 5 opens; navigation start to first screen);
- sync_backlog_ms: back online, pushing the N registrations (events, photos, signatures) and
  pulling, until the outbox is empty;
- save_ms: a guest registration offline, from the tap on "Simpan" to the transaction committed
  in IndexedDB (photo, signature, event, visit and outbox entries), p50/p95/max over N.
Figures on a shared, loaded machine are indicative only.
"""
import argparse
import json
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CHROMIUM = "/usr/lib/chromium/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def serve(app) -> tuple[str, object]:
    from werkzeug.serving import make_server

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}", server


def setup_office(app) -> tuple[str, object]:
    """Create an office with hosts, a service and a receptionist; return an enrolment code."""
    from server.api.operations import create_enrollment_code
    from server.extensions import db
    from server.models import Host, Office, Service

    with app.app_context():
        office = Office(code="BENCH", name="Kantor Bench", timezone="Asia/Jakarta", sop_template="kalbar-2021")
        db.session.add(office)
        db.session.flush()
        for i in range(40):
            db.session.add(Host(office_id=office.id, name=f"Pejabat {i:02d}", position="Kepala Bagian",
                                tier="eselon_4_asn"))
        db.session.add(Service(office_id=office.id, name="Konsultasi"))
        db.session.commit()
        code, _ = create_enrollment_code(office, None, "Bench")
        return code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=100)
    parser.add_argument("--opens", type=int, default=5)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from PIL import Image
    from playwright.sync_api import sync_playwright

    from server import create_app

    work = Path(tempfile.mkdtemp(prefix="sitamu-bench-pwa-"))
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(work / "instance"),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.db'}", "SECRET_KEY": "bench",
                      "SITAMU_DATA_KEY": "33" * 32, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade(directory=str(REPO / "server" / "migrations"))
    code = setup_office(app)
    base, server = serve(app)
    photo = work / "photo.jpg"
    Image.new("RGB", (1280, 960), (190, 160, 130)).save(photo, quality=90)

    from tests.pwa.conftest import Desk

    result = {"registrations": args.registrations}
    with sync_playwright() as pw:
        launch = dict(user_data_dir=str(work / "profile"), executable_path=CHROMIUM, args=ARGS,
                      viewport={"width": 1180, "height": 820})
        context = pw.chromium.launch_persistent_context(**launch)
        desk = Desk(context, base, work)
        desk.enrol(code)
        result["shell_bytes"] = desk.page.evaluate("""async () => {
            let total = 0;
            for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                for (const request of await cache.keys()) total += (await (await cache.match(request)).arrayBuffer()).byteLength;
            }
            return total;
        }""")
        context.close()

        opens = []
        for _ in range(args.opens):
            context = pw.chromium.launch_persistent_context(**launch)
            context.set_offline(True)
            page = context.pages[0]
            page.goto(f"{base}/app/")
            page.wait_for_selector("#start-register")
            page.wait_for_selector("body[data-ready='1']")
            opens.append(page.evaluate("window.__sitamu.interactiveAt"))
            context.close()
        result["cold_start_offline_ms"] = {"median": round(statistics.median(opens), 1), "max": round(max(opens), 1),
                                           "runs": [round(x, 1) for x in opens]}

        context = pw.chromium.launch_persistent_context(**launch)
        context.set_offline(True)
        desk = Desk(context, base, work)
        desk.open()
        for i in range(args.registrations):
            desk.register(name=f"Tamu {i:03d}", nik="6171011505900001", sex="L", host="Pejabat 07",
                          photo=photo if i % 2 == 0 else None)
            desk.page.click("#slip-done")
        saves = desk.page.evaluate("window.__sitamu.saves")
        # Back online: the whole day's backlog goes up (gzipped batches) and the outbox empties.
        context.set_offline(False)
        started = time.perf_counter()
        desk.sync()
        result["sync_backlog_ms"] = round((time.perf_counter() - started) * 1000)
        context.close()
    saves.sort()
    result["save_ms"] = {"p50": round(statistics.median(saves), 1),
                         "p95": round(saves[max(0, int(len(saves) * 0.95) - 1)], 1), "max": round(saves[-1], 1),
                         "with_photo": "every other registration"}
    result["note"] = "shared machine under load; indicative only"
    server.shutdown()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
