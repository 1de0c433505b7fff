"""The public booking page listing a date's free slots over real HTTP (gunicorn): the JSON list
/janji/<code>/slots the page's script reads and the no-JavaScript GET of the form, for a date
already holding many bookings of the service.

    python bench/booking_slots.py [--db sqlite|postgresql|both] [--bookings 500] [--requests 50]

Prints one JSON object (milliseconds; median and 95th percentile). The machine may be shared:
note the load with the figures. The list is rate-limited to 120 a minute per address (shared
through Redis by every run and database), so both databases take 2 x (requests + 1) of them.
"""

import argparse
import json
import os
import statistics
import time

import requests
from _sync_common import database_urls, make_app, seed_office, start_server
from appointments_pull import seed_bookings


def timed(url: str, params: dict, n: int) -> dict:
    times, sizes = [], set()
    session = requests.Session()
    for _ in range(n):
        started = time.perf_counter()
        response = session.get(url, params=params, timeout=10)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text[:500]
        sizes.add(len(response.content))
    times.sort()
    return {
        "requests": n,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (n - 1))], 1),
        "bytes": max(sizes),
    }


def measure(url: str, n: int, requests_n: int) -> dict:
    from server.extensions import db
    from server.models import Office, Service

    app, instance = make_app(url)
    office_id, _ = seed_office(app, retention_days=30)
    day = seed_bookings(app, office_id, n)
    with app.app_context():
        code = db.session.get(Office, office_id).code
        service_id = db.session.scalar(db.select(Service.id).where(Service.office_id == office_id))
        # Room for more: the date still has free slots to list.
        db.session.get(Service, service_id).booking_capacity = n + 50
        db.session.commit()
    proc, base = start_server(url, instance)
    try:
        listing = requests.get(
            f"{base}/janji/{code}/slots", params={"date": day, "service": service_id}, timeout=10
        ).json()
        return {
            "bookings_that_day": n,
            "free_slots": len(listing["slots"]),
            "json_list": timed(
                f"{base}/janji/{code}/slots", {"date": day, "service": service_id}, requests_n
            ),
            "page_get": timed(
                f"{base}/janji/{code}", {"target": f"s{service_id}", "date": day}, requests_n
            ),
        }
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="both", choices=["sqlite", "postgresql", "both"])
    parser.add_argument("--bookings", type=int, default=500)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    results = {"load_average": os.getloadavg()}
    for name, url in database_urls(args.db):
        results[name] = measure(url, args.bookings, args.requests)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
