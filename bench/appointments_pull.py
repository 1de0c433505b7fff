"""A desk tablet pulling a day of 500 appointments over real HTTP (gunicorn, gzip): the bytes on
the wire per booking and the seconds, both as the change-log pull of a tablet already in sync
(the day's bookings made since its last pull) and as a new tablet's snapshot.

    python bench/appointments_pull.py [--db sqlite|postgresql|both] [--bookings 500]

Prints one JSON object. The machine may be shared: note the load with the figures.
"""

import argparse
import json
import os
import time
from datetime import datetime, timedelta

from _sync_common import database_urls, enrol_code, make_app, seed_office, start_server

from sync.client import SyncClient

NIK = "6171014506900001"


def seed_bookings(app, office_id: int, n: int) -> str:
    """Book n guests for tomorrow through create_booking and approve them (one service, auto
    approval); return the date."""
    from server.appointments.operations import create_booking
    from server.extensions import db
    from server.models import Office, Service

    with app.app_context():
        office = db.session.get(Office, office_id)
        service = Service(
            office_id=office_id, name="Konsultasi", booking_mode="auto", booking_capacity=n
        )
        office.booking = {
            "hours": {str(d): ["07:00", "16:00"] for d in range(7)},
            "slot_minutes": 30,
        }
        db.session.add(service)
        db.session.commit()
        day = datetime.now(office.tz).date() + timedelta(days=1)
        slots = [f"{h:02d}:{m:02d}" for h in range(7, 16) for m in (0, 30)]
        for i in range(n):
            nik = f"6171014506{(900001 + i) % 1000000:06d}"
            create_booking(
                office,
                service,
                {
                    "date": day,
                    "time": slots[i % len(slots)],
                    "id_type": "ktp",
                    "id_number": nik,
                    "name": f"Tamu Janji {i:03d}",
                    "phone": f"0812555{i:05d}",
                    "email": "",
                    "institution": "CV Contoh Sejahtera",
                    "purpose": "Konsultasi pengadaan barang dan jasa",
                },
            )
            if i % 100 == 99:
                db.session.commit()
        db.session.commit()
        db.session.remove()
        return day.isoformat()


def measure(url: str, n: int) -> dict:
    app, instance = make_app(url)
    office_id, _ = seed_office(app, retention_days=30)
    proc, base = start_server(url, instance)
    try:
        synced = SyncClient(base)
        synced.enroll(enrol_code(app, office_id), "Meja 1")
        synced.pull(limit=500)
        day = seed_bookings(app, office_id, n)
        before, started = synced.stats.bytes_received, time.perf_counter()
        synced.pull(limit=500)
        log_seconds = time.perf_counter() - started
        log_bytes = synced.stats.bytes_received - before
        pulled = [a for a in synced.pulled_of("appointment").values() if a["date"] == day]

        fresh = SyncClient(base)
        fresh.enroll(enrol_code(app, office_id), "Meja 2")
        started = time.perf_counter()
        fresh.pull(limit=500)
        snapshot_seconds = time.perf_counter() - started
        return {
            "bookings": n,
            "pulled": len(pulled),
            "change_log_pull": {
                "bytes": log_bytes,
                "bytes_per_booking": round(log_bytes / max(len(pulled), 1)),
                "seconds": round(log_seconds, 3),
            },
            "snapshot_pull": {
                "bytes": fresh.stats.bytes_received,
                "bytes_per_booking": round(fresh.stats.bytes_received / max(n, 1)),
                "seconds": round(snapshot_seconds, 3),
                "note": "whole snapshot (office, hosts, staff too) over the bookings",
            },
        }
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="both", choices=["sqlite", "postgresql", "both"])
    parser.add_argument("--bookings", type=int, default=500)
    args = parser.parse_args()
    results = {"load_average": os.getloadavg()}
    for name, url in database_urls(args.db):
        results[name] = measure(url, args.bookings)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
