"""Push throughput over real HTTP (batches of 200, gzip), beside the raw executemany rate of
the same rows into the same database, and the bytes a tablet sends per visit and per photo.

    python bench/sync_push.py [--db sqlite|postgresql|both] [--events 21000] [--tablets 4]

The push rate is measured twice: one tablet flushing its outbox (requests one after the
other), then --tablets tablets flushing at once (the same number of events in all).

Prints one JSON object. The machine may be shared: note the load with the figures.
"""
import argparse
import io
import json
import os
import random
import threading
import time
import uuid

from _sync_common import database_urls, enrol_code, make_app, seed_office, start_server, visit_events

from sync.client import SyncClient


def raw_insert_rates(app, office_id: int, device_id: int, rows_template: list[dict]) -> dict:
    """Insert copies of the pushed rows (fresh ids) with the driver's own executemany, the
    parameters prepared beforehand; return rows/s with a commit every 200 rows (as a push
    commits its batch) and in one transaction."""
    import json as jsonlib

    from server.api.events import event_row
    from server.extensions import db
    from server.models import Device, VisitEvent

    with app.app_context():
        device = db.session.get(Device, device_id)
        table = VisitEvent.__table__
        columns = [c.name for c in table.columns]
        postgres = db.engine.dialect.name == "postgresql"
        mark = "%s" if postgres else "?"
        sql = f"INSERT INTO visit_event ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"

        def prepared(seq_base: int) -> list[tuple]:
            out = []
            for i, event in enumerate(rows_template):
                row = event_row(dict(event, id=str(uuid.uuid4()), seq=seq_base + i), device, office_id, _now())[0]
                values = []
                for name in columns:
                    value = row.get(name)
                    if isinstance(value, dict):
                        value = jsonlib.dumps(value)
                    elif not postgres and hasattr(value, "isoformat"):
                        value = value.isoformat(sep=" ")
                    values.append(value)
                out.append(tuple(values))
            return out

        rates = {}
        for name, per_commit, seq_base in (("commit_per_200", 200, 10**9), ("one_transaction", None, 2 * 10**9)):
            params = prepared(seq_base)
            raw = db.engine.raw_connection()
            try:
                cursor = raw.cursor()
                started = time.perf_counter()
                step = per_commit or len(params)
                for i in range(0, len(params), step):
                    cursor.executemany(sql, params[i:i + step])
                    raw.commit()
                rates[name] = len(params) / (time.perf_counter() - started)
            finally:
                raw.close()
        return rates


def _now():
    from datetime import datetime, timezone
    return datetime.now(timezone.utc)


def photo_bytes() -> bytes:
    """A 640x480 JPEG like the tablet's (scaled, quality 70) of a synthetic scene with noise."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(3)
    image = Image.new("RGB", (640, 480), (200, 190, 180))
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rng.randint(0, 640), rng.randint(0, 480)
        draw.ellipse((x, y, x + rng.randint(20, 200), y + rng.randint(20, 200)),
                     fill=tuple(rng.randint(40, 230) for _ in range(3)))
    noise = Image.effect_noise((640, 480), 18).convert("RGB")
    image = Image.blend(image.filter(ImageFilter.GaussianBlur(3)), noise, 0.12)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70, optimize=True)
    return out.getvalue()


def measure(name: str, url: str, n_events: int, tablets: int) -> dict:
    from server.extensions import db
    from server.models import Device

    app, instance = make_app(url)
    office_id, hosts = seed_office(app)
    proc, base = start_server(url, instance)
    try:
        rng = random.Random(1)
        client = SyncClient(base, batch_size=200)
        device = client.enroll(enrol_code(app, office_id))
        # Bytes on the wire for one visit with its whole flow (7 events), pushed on its own.
        visit_events(client, hosts, 1, rng)
        sent_before = client.stats.bytes_sent
        client.flush()
        bytes_one_visit = client.stats.bytes_sent - sent_before
        # Throughput: n events (visits of 7 events) in batches of 200.
        made = visit_events(client, hosts, max(1, n_events // 7), rng)
        sent_before, started = client.stats.bytes_sent, time.perf_counter()
        client.flush(max_rounds=10**6)
        elapsed = time.perf_counter() - started
        visits = len({e["visit_id"] for e in made})
        bytes_per_visit_batched = (client.stats.bytes_sent - sent_before) / visits
        photo = photo_bytes()
        sent_before = client.stats.bytes_sent
        status = client.put_blob(photo)
        photo_wire = client.stats.bytes_sent - sent_before
        # The same number of events from several tablets at once (each its own outbox and
        # flusher, as in an office): the server's ingest rate when requests overlap.
        together = []
        for _ in range(tablets):
            other = SyncClient(base, batch_size=200)
            other.enroll(enrol_code(app, office_id))
            visit_events(other, hosts, max(1, n_events // 7 // tablets), rng)
            together.append(other)
        sent = sum(len(c.outbox) for c in together)
        threads = [threading.Thread(target=c.flush, kwargs={"max_rounds": 10**6}) for c in together]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        concurrent_elapsed = time.perf_counter() - started
        left = sum(len(c.outbox) for c in together)
        with app.app_context():
            device_id = db.session.scalar(db.select(Device.id).where(Device.uid == device["uid"]))
        raw = raw_insert_rates(app, office_id, device_id, made[: min(len(made), 20000)])
        push_rate = len(made) / elapsed
        return {
            "events": len(made), "batch": 200, "seconds": round(elapsed, 2),
            "push_events_per_s": round(push_rate),
            "raw_executemany_rows_per_s": round(raw["commit_per_200"]),
            "raw_executemany_one_transaction_rows_per_s": round(raw["one_transaction"]),
            "ratio": round(push_rate / raw["commit_per_200"], 3),
            "ratio_to_one_transaction": round(push_rate / raw["one_transaction"], 3),
            f"push_events_per_s_{tablets}_tablets_at_once": round((sent - left) / concurrent_elapsed),
            f"ratio_{tablets}_tablets_at_once": round((sent - left) / concurrent_elapsed / raw["commit_per_200"], 3),
            "bytes_one_visit_7_events_alone": bytes_one_visit,
            "bytes_per_visit_in_batches": round(bytes_per_visit_batched),
            "photo_bytes": len(photo), "photo_upload_status": status, "photo_bytes_on_wire": photo_wire,
            "requests": client.stats.requests, "retries": client.stats.retries,
        }
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="both", choices=["sqlite", "postgresql", "both"])
    parser.add_argument("--events", type=int, default=21000)
    parser.add_argument("--tablets", type=int, default=4, help="tablets pushing at once, second run")
    args = parser.parse_args()
    results = {"load_average": os.getloadavg()}
    for name, url in database_urls(args.db):
        results[name] = measure(name, url, args.events, args.tablets)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
