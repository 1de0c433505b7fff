"""Time the staff and public pages on the demo data; print one JSON object.

Usage: python bench/web_pages.py [--rounds 5] [--database sqlite:///...]
                                 [--province 40 --visits 200000]
Without --database a temporary SQLite database is made and loaded with the demo
(three offices, about 1400 visits and 3000 survey responses). With --province, the demo
volume tool and copies make a province of that many offices and visits (bench/province.py),
with a 5,000-visit month at TANJABBAR-SETDA. Each page is requested `rounds` times through
the WSGI app in-process (no network); the JSON has the median and the slowest time per page
in milliseconds (the first request of a page is the slowest: nothing cached yet), its time
once more after a data change (a host's reply recorded on a visit, `after_change_ms`: every
remembered figure is stale then), the median over all pages, and the XLSX export of the 5,000-visit month, made in a fresh process (wall and
CPU seconds, and that process's peak resident memory: Linux's VmHWM, not getrusage's ru_maxrss,
which a process started by the province builder inherits from it).
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
sys.path.insert(0, str(REPO / "bench"))


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--xlsx-probe":
        return xlsx_probe(*sys.argv[2:])
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database", default=None)
    parser.add_argument("--province", type=int, default=0, help="offices of a province to make")
    parser.add_argument("--visits", type=int, default=200_000, help="visits in the province")
    parser.add_argument("--month", default="", help="with --database of a province made before: its big month")
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
        built = None
        if not db.session.scalar(db.select(db.func.count()).select_from(Office)):
            if args.province:
                from province import build_province

                started = time.perf_counter()
                built = build_province(args.province, args.visits, log=lambda m: print(m, file=sys.stderr))
                built["seconds"] = round(time.perf_counter() - started, 1)
            else:
                load_demo(seed=2026)
        visits = db.session.scalar(db.select(db.func.count()).select_from(Visit))
        visit_id = db.session.scalar(db.select(Visit.id).order_by(Visit.registered_at.desc()).limit(1))
        office = db.session.scalar(db.select(Office).order_by(Office.id).limit(1))
        host_user = db.session.scalar(db.select(StaffUser.username).where(StaffUser.role == "host").limit(1))
        office_code, office_id = office.code, office.id

    month = built["big_month"] if built else args.month
    period = f"?period={month}" if month else ""
    pages = {
        "admin": ("admin", "/admin/"),
        "visits_list": ("admin", "/admin/visits"),
        "visits_search": ("admin", "/admin/visits?q=a&stage=checked_out"),
        "visit_detail": ("admin", f"/admin/visits/{visit_id}"),
        "onsite": ("admin", "/admin/onsite"),
        "devices": ("admin", "/admin/devices"),
        "dashboard_all_offices": ("pengawas", f"/dashboard/{period}"),
        "dashboard_one_office": ("pengawas", f"/dashboard/?office={office_id}{period.replace('?', '&')}"),
        "dashboard_semester": ("pengawas", "/dashboard/?period=2026-S2"),
        "dashboard_csv_sop": ("pengawas", f"/dashboard/sop.csv{period}"),
        "dashboard_csv_services": ("pengawas", f"/dashboard/services.csv{period}"),
        "visit_analytics_all_offices": ("pengawas", f"/dashboard/visits{period}"),
        "visit_analytics_one_office": ("pengawas", f"/dashboard/visits?office={office_id}{period.replace('?', '&')}"),
        "visit_analytics_csv_hours": ("pengawas", f"/dashboard/visits/hours.csv{period}"),
        "exports_page": ("pengawas", f"/dashboard/exports{period}"),
        "recap_page": ("admin", "/dashboard/recap"),
        "delivery_page": ("admin", "/dashboard/delivery"),
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
    # A data change (a host's reply recorded on a visit: a new event, the visit derived again)
    # makes every remembered figure stale: time each page once more, as its first view after it.
    with app.app_context():
        from server.api.operations import record_server_event

        record_server_event(db.session.get(Visit, visit_id), "host_received", {"by": "bench"}, actor="system")
    for name, (user, path) in pages.items():
        start = time.perf_counter()
        response = clients[user].get(path)
        results[name]["after_change_ms"] = round((time.perf_counter() - start) * 1000, 1)
        assert response.status_code == 200, (name, response.status_code)
    medians = [r["median_ms"] for name, r in results.items()]
    slowest = {n: max(r["max_ms"], r["after_change_ms"]) for n, r in results.items()}
    summary = {"median_of_page_medians_ms": round(statistics.median(medians), 1),
               "slowest_page_ms": max(slowest.values()), "slowest_page": max(slowest, key=slowest.get),
               "slowest_after_change_ms": max(r["after_change_ms"] for r in results.values())}
    xlsx = _time_xlsx(url, instance, month) if month else None
    print(json.dumps({"benchmark": "web_pages", "database": url.split(":")[0], "visits": visits,
                      "province": built, "rounds": args.rounds, "summary": summary, "pages": results,
                      "xlsx": xlsx, "note": "machine shared with other engineers; figures under load"}))


def _time_xlsx(url: str, instance: str, month: str) -> dict:
    """Time the XLSX export of TANJABBAR-SETDA's big month in a fresh process (so its peak
    resident memory is the export's, not the province builder's): wall, CPU, memory."""
    import subprocess

    out = subprocess.run([sys.executable, __file__, "--xlsx-probe", url, instance, month],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def xlsx_probe(url: str, instance: str, month: str) -> None:
    """Request the XLSX export once as the supervisor; print its figures as JSON."""
    import io

    from openpyxl import load_workbook

    from reports.periods import parse_month
    from server import create_app
    from server.extensions import db
    from server.models import Office, Visit

    app = create_app({"INSTANCE_PATH": instance, "SQLALCHEMY_DATABASE_URI": url, "SITAMU_DATA_KEY": "22" * 32,
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "SITAMU_NOTIFY_MODE": "off"})
    with app.app_context():
        office = db.session.scalar(db.select(Office).where(Office.code == "TANJABBAR-SETDA"))
        p = parse_month(month, office.timezone)
        rows = db.session.scalar(db.select(db.func.count()).select_from(Visit).where(
            Visit.office_id == office.id, Visit.registered_at >= p.start, Visit.registered_at < p.end))
        office_id = office.id
    client = app.test_client()
    assert client.post("/login", data={"username": "pengawas", "password": "sitamu-demo"}).status_code == 302
    before = _peak_rss_kb()
    cpu, wall = time.process_time(), time.perf_counter()
    response = client.get(f"/dashboard/exports/visits.xlsx?period={month}&office={office_id}")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = _peak_rss_kb()
    assert response.status_code == 200, response.status_code
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    print(json.dumps({"visits_in_month": rows, "rows_in_sheet": sum(1 for _ in sheet.iter_rows(min_row=2)),
                      "bytes": len(response.data), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                      "process_peak_rss_mb": round(peak / 1024, 1),
                      "rss_before_request_mb": round(before / 1024, 1)}))


def _peak_rss_kb() -> int:
    """Return this process's peak resident memory in KiB. Linux's VmHWM belongs to the process's
    own memory map; getrusage's ru_maxrss survives exec, so a probe started by the province
    builder would report the builder's peak."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    main()
