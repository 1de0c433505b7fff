"""Load test: 200 simulated tablets (sync/client.py) against gunicorn on PostgreSQL.

Two shapes, each bounded in time and in events:
- day: every tablet, every few seconds, records 5-20 new events (new guests and the next
  SOP steps of its open visits), pushes them and then pulls;
- outage: 200 other tablets come back at once, each with 500 queued events, push until
  their outboxes are empty, then pull.
For each it prints events/s, push latency p50/p95/p99, errors (5xx, other refusals, gave
up), the drain time (outage) and the final check against the database: events lost (made
by a tablet but not stored) and duplicated (stored twice, or stored without being made).

    python bench/load.py [--tablets 200] [--day-seconds 60] [--outage-events 500]
                         [--workers 4] [--procs 4] [--db postgresql|sqlite]

Loopback only. Prints one JSON object. The machine may be shared: note the load with the
figures (`load_before` is the 1-minute load average when the run started).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import statistics
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sync_common import make_app, start_server  # noqa: E402

TABLETS_PER_OFFICE = 10
FLOW = [("verification", {"ok": True}, "cocokkan_identitas"),
        ("host_notified", {"channel": "phone"}, "hubungi_petugas"),
        ("host_received", {}, "menerima_tamu"),
        ("admitted", {"time_limit_minutes": 60}, None),
        ("finished", {}, "memberikan_pelayanan"),
        ("checked_out", {"card_returned": True, "ktp_returned": True}, None)]
NAMES = ["Siti Aminah", "Budi Santoso", "Rahmat Hidayat", "Dewi Lestari", "Yohanes Kurniawan"]


# --- set-up (in the main process, straight into the database) ------------------------------

def setup_tablets(app, count: int, label: str) -> list[dict]:
    """Create offices with hosts and enrol `count` devices; return [{token, device_id, hosts}]."""
    from server.api.operations import create_enrollment_code, enroll_device
    from server.extensions import db
    from server.models import Host, Office

    tablets = []
    with app.app_context():
        for start in range(0, count, TABLETS_PER_OFFICE):
            office = Office(code=f"LOAD-{label}-{start // TABLETS_PER_OFFICE:03d}",
                            name=f"Kantor Beban {label} {start}", timezone="Asia/Jakarta",
                            sop_template="kalbar-2021")
            db.session.add(office)
            db.session.flush()
            hosts = [Host(office_id=office.id, name=f"Pejabat {i}") for i in range(4)]
            db.session.add_all(hosts)
            db.session.commit()
            host_ids = [h.id for h in hosts]
            for i in range(min(TABLETS_PER_OFFICE, count - start)):
                code, _ = create_enrollment_code(office, None, f"Meja {i}")
                db.session.commit()
                device, token = enroll_device(code, f"Meja {i}", "load")
                tablets.append({"token": token, "device_id": device.id, "hosts": host_ids})
    return tablets


# --- one tablet ---------------------------------------------------------------------------

class Desk:
    """Makes the events of a desk: new guests, and the next step of guests already in."""

    def __init__(self, client, hosts, rng):
        self.client, self.hosts, self.rng = client, hosts, rng
        self.open: list[list] = []  # [visit_id, next flow index]
        self.made: list[str] = []
        self.queue = 0

    def record(self, n: int, at: datetime | None = None) -> None:
        for _ in range(n):
            if self.open and self.rng.random() < 0.75:
                visit = self.rng.choice(self.open)
                kind, payload, step = FLOW[visit[1]]
                event = self.client.record(visit[0], kind, payload, step=step, at=at)
                visit[1] += 1
                if visit[1] == len(FLOW):
                    self.open.remove(visit)
            else:
                self.queue += 1
                visit_id = str(uuid.uuid4())
                event = self.client.record(visit_id, "registration", {
                    "queue_number": f"A{self.queue % 1000:03d}", "id_type": "ktp",
                    "id_number": f"6171{self.rng.randint(10**11, 10**12 - 1)}",
                    "name": self.rng.choice(NAMES), "phone": f"0812{self.rng.randint(10**7, 10**8 - 1)}",
                    "institution": "CV Maju Bersama", "purpose": "Konsultasi pengadaan barang",
                    "host_id": self.rng.choice(self.hosts), "consent_version": "2026-01",
                    "consent_at": "2026-11-23T01:00:00.000Z"}, actor="guest", step="isi_buku_tamu", at=at)
                self.open.append([visit_id, 0])
            self.made.append(event["id"])


def _timed_push(client, result) -> None:
    """Push the outbox in batches, timing each push request."""
    from sync.client import NetworkError

    rounds = 0
    while client.outbox and rounds < 100:
        rounds += 1
        batch = client._entries()[: client.batch_size]
        started = time.perf_counter()
        try:
            client.push(batch)
        except NetworkError:
            result["network_errors"] += 1
            continue
        result["push_ms"].append((time.perf_counter() - started) * 1000)
        result["pushes"] += 1


def run_tablet(base, tablet, shape, params, deadline, result, lock, seed):
    from sync.client import Stop, SyncClient

    rng = random.Random(seed)
    client = SyncClient(base, tablet["token"], rng=rng, batch_size=200, timeout=60,
                        backoff_base=0.5, backoff_cap=10, max_attempts=10)
    desk = Desk(client, tablet["hosts"], rng)
    local = {"push_ms": [], "pull_ms": [], "pushes": 0, "network_errors": 0}
    gave_up = None
    try:
        if shape == "day":
            time.sleep(rng.uniform(0, params["interval_max"]))  # tablets do not start in step
            while time.monotonic() < deadline:
                desk.record(rng.randint(5, 20))
                _timed_push(client, local)
                started = time.perf_counter()
                client.pull()
                local["pull_ms"].append((time.perf_counter() - started) * 1000)
                time.sleep(rng.uniform(params["interval_min"], params["interval_max"]))
        else:
            start = datetime.now(timezone.utc) - timedelta(hours=6)
            for i in range(params["outage_events"]):
                desk.record(1, at=start + timedelta(seconds=20 * i))
            params["barrier"].wait()
            local["released_at"] = time.monotonic()
            _timed_push(client, local)
            local["drained_at"] = time.monotonic()
            client.pull()
    except Stop as exc:
        gave_up = exc.reason
    with lock:
        result["push_ms"] += local["push_ms"]
        result["pull_ms"] += local["pull_ms"]
        result["pushes"] += local["pushes"]
        result["network_errors"] += local["network_errors"]
        result["made"][tablet["device_id"]] = desk.made
        result["left_in_outbox"] += len(client.outbox)
        result["attention"] += len(client.attention)
        for status, n in client.stats.statuses.items():
            result["statuses"][str(status)] = result["statuses"].get(str(status), 0) + n
        if gave_up:
            result["gave_up"].append(gave_up)
        if "drained_at" in local:
            result["drained_at"].append(local["drained_at"])
        if "released_at" in local:
            result["released_at"].append(local["released_at"])


def cpu_seconds(names: tuple[str, ...]) -> float:
    """Return the CPU seconds (user + system) used so far by processes whose command line
    contains one of `names` (read from /proc; Linux only)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            if not any(name in cmd for name in names):
                continue
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return total


def run_process(base, tablets, shape, params, seconds, out_queue, seed):
    """Run a share of the tablets as threads; send the merged result back."""
    cpu_started = time.process_time()
    result = {"push_ms": [], "pull_ms": [], "pushes": 0, "network_errors": 0, "made": {}, "left_in_outbox": 0,
              "attention": 0, "statuses": {}, "gave_up": [], "drained_at": [], "released_at": []}
    lock = threading.Lock()
    params = dict(params)
    params["barrier"] = threading.Barrier(len(tablets)) if shape == "outage" else None
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=run_tablet, args=(base, t, shape, params, deadline, result, lock,
                                                          seed * 1000 + i), daemon=True)
               for i, t in enumerate(tablets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 600)
    result["client_cpu_s"] = time.process_time() - cpu_started
    out_queue.put(result)


# --- a phase ------------------------------------------------------------------------------

def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))], 1)


def final_check(app, made: dict) -> dict:
    """Compare what the tablets made with what the database holds."""
    from sqlalchemy import func, select

    from server.extensions import db
    from server.models import VisitEvent

    lost = duplicated = stored_total = 0
    with app.app_context():
        for device_id, ids in made.items():
            stored = db.session.execute(select(VisitEvent.id, func.count()).where(
                VisitEvent.device_id == device_id).group_by(VisitEvent.id)).all()
            stored_ids = {row[0] for row in stored}
            duplicated += sum(n - 1 for _, n in stored) + len(stored_ids - set(ids))
            lost += len(set(ids) - stored_ids)
            stored_total += len(stored_ids)
        db.session.remove()
    return {"lost": lost, "duplicated": duplicated, "stored": stored_total}


def run_phase(app, base, tablets, shape, args) -> dict:
    params = {"interval_min": 2.0, "interval_max": 5.0, "outage_events": args.outage_events}
    seconds = args.day_seconds if shape == "day" else args.outage_limit
    queue = mp.Queue()
    shares = [tablets[i::args.procs] for i in range(args.procs)]
    procs = [mp.Process(target=run_process, args=(base, share, shape, params, seconds, queue, n + 1))
             for n, share in enumerate(shares) if share]
    # Where the two cores went: the server (gunicorn), PostgreSQL, the simulated tablets.
    server_cpu, db_cpu = cpu_seconds(("gunicorn",)), cpu_seconds(("postgres:",))
    started = time.monotonic()
    for p in procs:
        p.start()
    results = [queue.get(timeout=seconds + 900) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    elapsed = time.monotonic() - started
    server_cpu, db_cpu = cpu_seconds(("gunicorn",)) - server_cpu, cpu_seconds(("postgres:",)) - db_cpu
    merged = {"push_ms": [], "pull_ms": [], "pushes": 0, "network_errors": 0, "made": {}, "left_in_outbox": 0,
              "attention": 0, "statuses": {}, "gave_up": [], "drained_at": [], "released_at": []}
    for r in results:
        for key in ("push_ms", "pull_ms", "gave_up", "drained_at", "released_at"):
            merged[key] += r[key]
        for key in ("pushes", "network_errors", "left_in_outbox", "attention"):
            merged[key] += r[key]
        merged["made"].update(r["made"])
        for status, n in r["statuses"].items():
            merged["statuses"][status] = merged["statuses"].get(status, 0) + n
    made = sum(len(v) for v in merged["made"].values())
    check = final_check(app, merged["made"])
    out = {
        "tablets": len(tablets), "seconds": round(elapsed, 1), "events_made": made,
        "events_stored": check["stored"],
        "push_requests": merged["pushes"],
        "push_ms_p50": percentile(merged["push_ms"], 50), "push_ms_p95": percentile(merged["push_ms"], 95),
        "push_ms_p99": percentile(merged["push_ms"], 99),
        "push_ms_mean": round(statistics.fmean(merged["push_ms"]), 1) if merged["push_ms"] else None,
        "pull_ms_p50": percentile(merged["pull_ms"], 50), "pull_ms_p95": percentile(merged["pull_ms"], 95),
        "statuses": merged["statuses"],
        "errors_5xx": sum(n for s, n in merged["statuses"].items() if s.startswith("5")),
        "errors_other_4xx": sum(n for s, n in merged["statuses"].items() if s.startswith("4")),
        "network_errors": merged["network_errors"], "gave_up": len(merged["gave_up"]),
        "left_in_outbox": merged["left_in_outbox"], "needs_attention": merged["attention"],
        "lost": check["lost"], "duplicated": check["duplicated"],
        "cores_used": {"server": round(server_cpu / elapsed, 2), "postgresql": round(db_cpu / elapsed, 2),
                       "tablet_clients": round(sum(r["client_cpu_s"] for r in results) / elapsed, 2)},
    }
    if shape == "outage":
        # Drain time: from the first tablet coming back to the last outbox emptied.
        if merged["drained_at"] and merged["released_at"]:
            out["drain_seconds"] = round(max(merged["drained_at"]) - min(merged["released_at"]), 1)
        else:
            out["drain_seconds"] = None
        out["events_per_second"] = round(made / out["drain_seconds"], 1) if out["drain_seconds"] else None
    else:
        out["events_per_second"] = round(check["stored"] / elapsed, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tablets", type=int, default=200)
    parser.add_argument("--day-seconds", type=float, default=60)
    parser.add_argument("--outage-events", type=int, default=500)
    parser.add_argument("--outage-limit", type=float, default=300, help="Give up the outage after this.")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--procs", type=int, default=4, help="client processes (tablets are threads)")
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--shapes", default="day,outage")
    args = parser.parse_args()
    if not (1 <= args.tablets <= 1000 and 0 < args.day_seconds <= 600 and 1 <= args.outage_events <= 2000):
        parser.error("bounded runs only: --tablets 1-1000, --day-seconds up to 600, --outage-events up to 2000")

    if args.db == "postgresql":
        url = os.environ.get("SITAMU_LOAD_PG", "postgresql://postgres@127.0.0.1/sitamu_load")
    else:
        import tempfile
        url = f"sqlite:///{tempfile.mkdtemp(prefix='sitamu-load-')}/load.db"
    os.environ["SITAMU_BENCH_WORKERS"] = str(args.workers)
    os.environ.setdefault("SITAMU_BENCH_SERVER", "gunicorn")
    load_before = os.getloadavg()[0]
    app, instance = make_app(url)
    shapes = [s for s in args.shapes.split(",") if s]
    tablets = {shape: setup_tablets(app, args.tablets, shape[:3].upper()) for shape in shapes}
    with app.app_context():
        from server.extensions import db
        db.engine.dispose()  # no pooled connection crosses the fork into the client processes
    proc, base = start_server(url, instance)
    report = {"bench": "load", "db": args.db, "server": f"gunicorn -w {args.workers} (sync workers)",
              "client_processes": args.procs, "cpus": os.cpu_count(), "load_before": round(load_before, 2)}
    try:
        for shape in shapes:
            report[shape] = run_phase(app, base, tablets[shape], shape, args)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except Exception:
            proc.kill()
    report["load_after"] = round(os.getloadavg()[0], 2)
    day, outage = report.get("day"), report.get("outage")
    report["aims_met"] = {
        "no_loss_or_duplicates": all(p["lost"] == 0 and p["duplicated"] == 0 for p in (day, outage) if p),
        "no_5xx": all(p["errors_5xx"] == 0 for p in (day, outage) if p),
        "day_p95_under_500ms": (day["push_ms_p95"] or 0) < 500 if day else None,
        "outage_drained_within_60s": (outage["drain_seconds"] or 1e9) <= 60 if outage else None,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
