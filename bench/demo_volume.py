"""Benchmark the demo loader and `add_volume`; print one JSON object.

    python bench/demo_volume.py [--visits 5000] [--db sqlite|postgresql|both]

On a scratch database (a temp SQLite file, and/or SITAMU_BENCH_PG, default
postgresql://postgres@127.0.0.1/sitamu_bench_demo): time `load_demo` (three offices, a month
of visits, five months of survey history), then `add_volume` of N visits into one office's
month, all stored through the push operation as protocol events. Wall-clock seconds; run on
an idle machine for figures that mean something.
"""
import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SITAMU_BENCH_PG", "postgresql://postgres@127.0.0.1/sitamu_bench_demo")

from _sync_common import database_urls, make_app  # noqa: E402


def measure(url: str, visits: int) -> dict:
    from sqlalchemy import func, select

    from server.demo import add_volume, load_demo
    from server.extensions import db
    from server.models import SurveyResponse, Visit, VisitEvent

    app, _ = make_app(url)
    with app.app_context():
        started = time.perf_counter()
        load_demo(seed=2026, today=date(2026, 11, 18))
        load_seconds = time.perf_counter() - started
        before = db.session.scalar(select(func.count()).select_from(VisitEvent))
        started = time.perf_counter()
        add_volume("TANJABBAR-SETDA", "2026-09", visits, seed=1)
        volume_seconds = time.perf_counter() - started
        events = db.session.scalar(select(func.count()).select_from(VisitEvent)) - before
        return {
            "load_demo_s": round(load_seconds, 2),
            "load_demo_visits": db.session.scalar(select(func.count()).select_from(Visit)) - visits,
            "add_volume_visits": visits,
            "add_volume_events": events,
            "add_volume_s": round(volume_seconds, 2),
            "add_volume_visits_per_s": round(visits / volume_seconds, 1),
            "survey_responses_total": db.session.scalar(select(func.count()).select_from(SurveyResponse)),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=5000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    args = parser.parse_args()
    results = {name: measure(url, args.visits) for name, url in database_urls(args.db)}
    print(json.dumps({"benchmark": "demo_volume", "note": "shared machine, figures under load",
                      "results": results}))


if __name__ == "__main__":
    main()
