"""A new tablet bootstrapping an office with 10,000 visits: seconds end to end over real HTTP
(enrolment, then pull pages until `more` is false, gzip), and the bytes received.

    python bench/sync_pull.py [--db sqlite|postgresql|both] [--visits 10000] [--limit 5000]

Prints one JSON object. The machine may be shared: note the load with the figures.
"""
import argparse
import json
import os
import random
import time

from _sync_common import database_urls, enrol_code, make_app, seed_office, start_server, visit_events

from sync.client import SyncClient


def seed_visits(app, office_id: int, hosts: list[int], n: int) -> None:
    """Store n visits (each with its whole flow) through ingest_batch, as a tablet's pushes would."""
    from server.api.operations import enroll_device, ingest_batch
    from server.extensions import db

    with app.app_context():
        device, _ = enroll_device(enrol_code(app, office_id), "Seeder")
        maker = SyncClient("http://unused")
        events = visit_events(maker, hosts, n, random.Random(5))
        for i in range(0, len(events), 490):
            ingest_batch(device, events[i:i + 490], [])
        db.session.remove()


def measure(name: str, url: str, n_visits: int, limit: int) -> dict:
    app, instance = make_app(url)
    office_id, hosts = seed_office(app, retention_days=30)
    seed_visits(app, office_id, hosts, n_visits)
    code = enrol_code(app, office_id)
    proc, base = start_server(url, instance)
    try:
        started = time.perf_counter()
        client = SyncClient(base)
        client.enroll(code, "Tablet baru")
        changes = client.pull(limit=limit)
        elapsed = time.perf_counter() - started
        visits = len(client.pulled_of("visit"))
        return {"visits_in_office": n_visits, "visits_pulled": visits, "changes": changes,
                "page_limit": limit, "requests": client.stats.requests,
                "bytes_received": client.stats.bytes_received,
                "bytes_per_visit": round(client.stats.bytes_received / max(visits, 1)),
                "seconds_end_to_end": round(elapsed, 2)}
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="both", choices=["sqlite", "postgresql", "both"])
    parser.add_argument("--visits", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=5000)
    args = parser.parse_args()
    results = {"load_average": os.getloadavg()}
    for name, url in database_urls(args.db):
        results[name] = measure(name, url, args.visits, args.limit)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
