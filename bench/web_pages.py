"""Time the staff and public pages on the demo data; print one JSON object.

Usage: python bench/web_pages.py [--rounds 5] [--database sqlite:///...]
Without --database a temporary SQLite database is made and loaded with the demo
(three offices, about 1400 visits and 3000 survey responses). Each page is requested
`rounds` times through the WSGI app in-process (no network); the JSON has the median
and the slowest time per page in milliseconds.
"""
import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from server import create_app
    from server.demo import load_demo
    from server.extensions import db
    from server.models import Office, StaffUser, Visit

    instance = tempfile.mkdtemp(prefix="sitamu-bench-web-")
    url = args.database or f"sqlite:///{instance}/bench.db"
    app = create_app({"INSTANCE_PATH": instance, "SQLALCHEMY_DATABASE_URI": url,
                      "SITAMU_DATA_KEY": "22" * 32, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "SITAMU_NOTIFY_MODE": "off"})
    with app.app_context():
        upgrade()
        if not db.session.scalar(db.select(db.func.count()).select_from(Office)):
            load_demo(seed=2026)
        visits = db.session.scalar(db.select(db.func.count()).select_from(Visit))
        visit_id = db.session.scalar(db.select(Visit.id).order_by(Visit.registered_at.desc()).limit(1))
        office = db.session.scalar(db.select(Office).order_by(Office.id).limit(1))
        host_user = db.session.scalar(db.select(StaffUser.username).where(StaffUser.role == "host").limit(1))
        office_code, office_id = office.code, office.id

    pages = {
        "admin": ("admin", "/admin/"),
        "visits_list": ("admin", "/admin/visits"),
        "visits_search": ("admin", "/admin/visits?q=a&stage=checked_out"),
        "visit_detail": ("admin", f"/admin/visits/{visit_id}"),
        "onsite": ("admin", "/admin/onsite"),
        "devices": ("admin", "/admin/devices"),
        "dashboard_all_offices": ("pengawas", "/dashboard/"),
        "dashboard_one_office": ("pengawas", f"/dashboard/?office={office_id}"),
        "dashboard_csv_sop": ("pengawas", "/dashboard/sop.csv"),
        "host_inbox": (host_user, "/host/"),
        "public_ikm": (None, f"/p/ikm/{office_code}"),
    }
    clients = {}
    results = {}
    for name, (user, path) in pages.items():
        if user not in clients:
            client = app.test_client()
            if user:
                response = client.post("/login", data={"username": user, "password": "sitamu-demo"})
                assert response.status_code == 302, (user, response.status_code)
            clients[user] = client
        client = clients[user]
        times = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        results[name] = {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}
    print(json.dumps({"benchmark": "web_pages", "database": url.split(":")[0], "visits": visits,
                      "rounds": args.rounds, "pages": results,
                      "note": "machine shared with other engineers; figures under load"}))


if __name__ == "__main__":
    main()
