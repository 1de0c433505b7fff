"""`sitamu sync-sim`: simulated tablets that lose, repeat and reorder, then a convergence check.

The command creates a throw-away office (or several) with hosts in the configured database,
enrols the simulated tablets over HTTP with one-time codes, lets them register guests and move
visits along (including visits another tablet registered, learned by pull) through a lossy
network, drains every outbox, and compares the server with the union of what the tablets made.
It prints one JSON line.
"""
from __future__ import annotations

import json
import random
import sys
import time
import uuid
from datetime import timedelta

import click

from .client import Faults, Stop, SyncClient
from .rules import derive_visit

FLOW = ("verification", "host_notified", "host_received", "admitted", "finished", "checked_out")
PAYLOADS = {"verification": {"ok": True}, "host_notified": {"channel": "phone"}, "host_received": {},
            "admitted": {"time_limit_minutes": 30}, "finished": {},
            "checked_out": {"card_returned": True, "ktp_returned": True}}


def _setup_offices(n_offices: int, rng: random.Random):
    """Create simulation offices with hosts; return [(office, [host ids])]."""
    from server.extensions import db
    from server.models import Host, Office

    out = []
    tag = uuid.uuid4().hex[:6].upper()
    for i in range(n_offices):
        office = Office(code=f"SIM-{tag}-{i + 1}", name=f"Kantor Simulasi {tag} {i + 1}",
                        timezone="Asia/Jakarta", sop_template="kalbar-2021", device_retention_days=1)
        db.session.add(office)
        db.session.flush()
        hosts = [Host(office_id=office.id, name=f"Pejabat {j + 1}", tier="eselon_4_asn") for j in range(3)]
        db.session.add_all(hosts)
        db.session.commit()
        out.append((office, [h.id for h in hosts]))
    return out


def run_simulation(server: str, devices: int, visits: int, drop_rate: float, dup_rate: float,
                   lost_ack_rate: float, offices: int = 1, seed: int = 1, batch_size: int = 50) -> dict:
    """Run the simulation against `server` (same database as this app); return the summary."""
    from sqlalchemy import func, select

    from server.api.operations import create_enrollment_code
    from server.extensions import db
    from server.models import Visit, VisitEvent

    rng = random.Random(seed)
    started = time.monotonic()
    setups = _setup_offices(offices, rng)
    faults = Faults(drop_rate=drop_rate, lost_ack_rate=lost_ack_rate, dup_rate=dup_rate, reorder=True)
    tablets = []
    for i in range(devices):
        office, hosts = setups[i % len(setups)]
        code, _ = create_enrollment_code(office, None, f"Sim {i + 1}")
        client = SyncClient(server, faults=faults, rng=random.Random(rng.random()), batch_size=batch_size,
                            backoff_base=0.005, backoff_cap=0.05, max_attempts=60, sleep=time.sleep)
        client.enroll(code, f"Tablet simulasi {i + 1}")
        tablets.append((client, office, hosts))
    made: dict[str, dict] = {}          # event id -> event, the union of what all tablets made
    visit_office: dict[str, int] = {}
    progress: dict[str, int] = {}       # visit id -> index of its next FLOW step

    def make_events(client, office, hosts, n_new):
        for _ in range(n_new):
            visit_id = str(uuid.uuid4())
            event = client.record(visit_id, "registration", {
                "queue_number": f"{client.device['letter']}{rng.randint(1, 999):03d}", "id_type": "ktp",
                "id_number": f"6171{rng.randint(10**11, 10**12 - 1)}", "name": f"Tamu {rng.randint(1, 10**6)}",
                "purpose": "Simulasi", "host_id": rng.choice(hosts)}, actor="guest")
            made[event["id"]] = event
            visit_office[visit_id] = office.id
            progress[visit_id] = 0
        # Move some visits along, including ones another tablet registered (learned by pull).
        known = [v for v in client.pulled_of("visit")] + [v for v, o in visit_office.items() if o == office.id]
        for visit_id in rng.sample(known, min(len(known), 3 + 2 * n_new)):
            step = progress.get(visit_id, 0)
            if visit_id in progress and step < len(FLOW):
                kind = FLOW[step]
                event = client.record(visit_id, kind, PAYLOADS[kind],
                                      at=client.now() + timedelta(seconds=step))
                made[event["id"]] = event
                progress[visit_id] = step + 1

    remaining = visits
    rounds = 0
    while remaining > 0 or rounds < 8:
        rounds += 1
        for client, office, hosts in tablets:
            n_new = min(remaining, rng.randint(1, max(1, visits // (devices * 4) or 1)))
            remaining -= n_new
            make_events(client, office, hosts, n_new)
            try:
                client.flush(max_rounds=5)
            except Stop:
                pass
            try:
                client.pull()
            except (Stop, Exception):  # a lossy link may fail a pull; the next round retries
                pass
    # Drain: keep syncing (faults stay on) until every outbox is empty.
    for _ in range(200):
        pending = sum(len(c.outbox) for c, _, _ in tablets)
        if not pending:
            break
        for client, _, _ in tablets:
            try:
                client.flush(max_rounds=20)
            except Stop:
                pass
    for client, _, _ in tablets:
        for _ in range(20):
            try:
                client.pull()
                break
            except Exception:
                continue

    # Check the server against the union of all tablets.
    db.session.expire_all()
    expected_ids = set(made)
    on_server = set()
    ids = list(expected_ids)
    for i in range(0, len(ids), 500):
        on_server.update(db.session.scalars(select(VisitEvent.id).where(VisitEvent.id.in_(ids[i:i + 500]))))
    visit_ids = sorted({e["visit_id"] for e in made.values()})
    server_visits = {}
    for i in range(0, len(visit_ids), 500):
        for v in db.session.scalars(select(Visit).where(Visit.id.in_(visit_ids[i:i + 500]))):
            server_visits[v.id] = v
    rows_per_visit = dict(db.session.execute(select(VisitEvent.visit_id, func.count()).where(
        VisitEvent.visit_id.in_(visit_ids)).group_by(VisitEvent.visit_id)).all()) if visit_ids else {}
    by_visit: dict[str, list] = {}
    for event in made.values():
        by_visit.setdefault(event["visit_id"], []).append(event)
    mismatched = 0
    for visit_id, events in by_visit.items():
        expected = derive_visit(events)
        got = server_visits.get(visit_id)
        if got is None or got.stage != expected["stage"] or got.event_count != expected["event_count"] \
                or got.name != expected["name"]:
            mismatched += 1
    duplicated = sum(max(0, n - len(by_visit.get(v, []))) for v, n in rows_per_visit.items())
    # Every tablet's pulled view of its office's visits matches the server. On PostgreSQL a
    # change is pullable once every older writer of the cluster has ended: pull a few times.
    for _ in range(50):
        stale_views = 0
        for client, office, _ in tablets:
            view = client.pulled_of("visit")
            for visit_id, visit in server_visits.items():
                if visit.office_id == office.id and view.get(visit_id, {}).get("stage") != visit.stage:
                    stale_views += 1
        if not stale_views:
            break
        time.sleep(0.2)
        for client, _, _ in tablets:
            try:
                client.pull()
            except Exception:  # a lossy link; the next round retries
                pass
    lost = len(expected_ids - on_server)
    quarantined = sum(len(c.attention) for c, _, _ in tablets)
    summary = {
        "devices": devices, "offices": offices, "events_sent": sum(c.stats.events_sent for c, _, _ in tablets),
        "events_made": len(made), "events_on_server": len(on_server),
        "visits_expected": len(by_visit), "visits_on_server": len(server_visits),
        "lost": lost, "duplicated": duplicated, "mismatched_visits": mismatched,
        "stale_tablet_views": stale_views, "quarantined": quarantined,
        "outbox_left": sum(len(c.outbox) for c, _, _ in tablets),
        "requests": sum(c.stats.requests for c, _, _ in tablets),
        "dropped_requests": sum(c.stats.dropped for c, _, _ in tablets),
        "lost_acks": sum(c.stats.lost_acks for c, _, _ in tablets),
        "duplicated_requests": sum(c.stats.duplicated_requests for c, _, _ in tablets),
        "rounds": rounds, "seconds": round(time.monotonic() - started, 2),
    }
    summary["converged"] = (lost == 0 and duplicated == 0 and mismatched == 0 and stale_views == 0
                            and quarantined == 0 and summary["outbox_left"] == 0
                            and len(server_visits) == len(by_visit))
    return summary


@click.command("sync-sim")
@click.option("--server", required=True, help="Base URL of a Sitamu server on this database.")
@click.option("--devices", type=click.IntRange(1, 200), default=3)
@click.option("--visits", type=click.IntRange(1, 100_000), default=100, help="Visits in all.")
@click.option("--drop-rate", type=click.FloatRange(0, 0.9), default=0.1)
@click.option("--dup-rate", type=click.FloatRange(0, 0.9), default=0.1)
@click.option("--lost-ack-rate", type=click.FloatRange(0, 0.9), default=0.1)
@click.option("--offices", type=click.IntRange(1, 50), default=1)
@click.option("--seed", type=int, default=1)
def sync_sim(server, devices, visits, drop_rate, dup_rate, lost_ack_rate, offices, seed):
    """Simulate tablets on a lossy network and check the server converges."""
    try:
        summary = run_simulation(server, devices, visits, drop_rate, dup_rate, lost_ack_rate,
                                 offices=offices, seed=seed)
    except Stop as exc:
        click.echo(f"Error: simulation stopped: {exc.reason} (HTTP {exc.status})", err=True)
        sys.exit(1)
    except Exception as exc:  # e.g. the server is not reachable
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    click.echo(json.dumps(summary))
    if not summary["converged"]:
        sys.exit(3)
