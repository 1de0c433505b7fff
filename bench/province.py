"""Build a province for the dashboard benchmark: the demo volume tool, then copies.

`build_province(offices=40, visits=200_000, big_month_visits=5000)`:
1. `load_demo` (three offices, a month and a half of visits, five months of survey history),
   then `add_volume` of `big_month_visits` into TANJABBAR-SETDA's last complete month (the
   5,000-visit month the XLSX export is timed on), all through the real push operation;
2. copies of the three demo offices (their hosts, services, visits, events and survey
   responses, with new ids) until there are `offices` offices, and copies of every office's
   visits moved back by whole weeks (hours and weekdays kept) until there are `visits` visits.

Copies are written with SQLAlchemy Core in batches, so the province is made in minutes, not
the hours 200,000 pushes would take; every row still comes from the demo tool's output (each
visit's stored SOP step minutes too). The dashboard's kept day rows are made at the end
(`server.dashboard.days.keep_all`), as the push path and the migration keep them.
"""
from __future__ import annotations

import uuid
from datetime import date, timedelta

BATCH = 2000


def _new_id(old: str, salt: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{salt}:{old}"))


def _insert(conn, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        conn.execute(table.insert(), rows[start:start + BATCH])


def build_province(offices: int = 40, visits: int = 200_000, big_month_visits: int = 5000,
                   today: date = date(2026, 12, 10), log=print) -> dict:
    """Make the province in the current app's database; return what was made."""
    from sqlalchemy import func, select

    from server.demo import add_volume, load_demo
    from server.extensions import db
    from server.models import Host, Office, Service, SurveyResponse, Visit, VisitEvent

    load_demo(seed=2026, today=today)
    big_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    if big_month_visits:
        add_volume("TANJABBAR-SETDA", big_month, big_month_visits, seed=7)
    log(f"demo loaded: {db.session.scalar(select(func.count()).select_from(Visit))} visits")

    t_office, t_host, t_service = Office.__table__, Host.__table__, Service.__table__
    t_visit, t_event, t_response = Visit.__table__, VisitEvent.__table__, SurveyResponse.__table__
    conn = db.session.connection()
    demo = conn.execute(select(t_office).order_by(t_office.c.id)).mappings().all()
    source = {}
    for office in demo:
        oid = office["id"]
        source[oid] = {
            "hosts": conn.execute(select(t_host).where(t_host.c.office_id == oid)).mappings().all(),
            "services": conn.execute(select(t_service).where(t_service.c.office_id == oid)).mappings().all(),
            "visits": conn.execute(select(t_visit).where(t_visit.c.office_id == oid)).mappings().all(),
            "events": conn.execute(select(t_event).where(t_event.c.office_id == oid)).mappings().all(),
            "responses": conn.execute(select(t_response).where(t_response.c.office_id == oid)).mappings().all(),
        }

    def copy_visits(src: dict, office_id: int, hosts: dict, services: dict, salt: str, shift: timedelta,
                    limit: int) -> int:
        chosen = src["visits"][:limit]
        ids = {v["id"]: _new_id(v["id"], salt) for v in chosen}
        rows = []
        for v in chosen:
            row = dict(v, id=ids[v["id"]], office_id=office_id, device_id=None,
                       host_id=hosts.get(v["host_id"], v["host_id"]) if v["host_id"] else None,
                       service_id=services.get(v["service_id"], v["service_id"]) if v["service_id"] else None)
            for name in ("consent_at", "registered_at", "admitted_at", "finished_at", "checked_out_at", "updated_at"):
                if row[name] is not None:
                    row[name] = row[name] + shift
            rows.append(row)
        _insert(conn, t_visit, rows)
        events = [dict(e, id=_new_id(e["id"], salt), visit_id=ids[e["visit_id"]], office_id=office_id,
                       device_id=None, device_seq=None, device_time=e["device_time"] + shift,
                       corrected_time=e["corrected_time"] + shift, received_at=e["received_at"] + shift)
                  for e in src["events"] if e["visit_id"] in ids]
        _insert(conn, t_event, events)
        return len(rows)

    total = conn.execute(select(func.count()).select_from(t_visit)).scalar()
    made_offices = []
    # 1. Copies of the demo offices, each with its hosts, services, visits and survey responses.
    for n in range(len(demo), offices):
        office = demo[n % len(demo)]
        copy = dict(office)
        copy.pop("id")
        copy.update(code=f"{office['code']}-{n + 1:02d}", name=f"{office['name']} (salinan {n + 1})")
        new_id = conn.execute(t_office.insert().values(**copy)).inserted_primary_key[0]
        src = source[office["id"]]
        hosts = {}
        for host in src["hosts"]:
            row = dict(host, office_id=new_id)
            old = row.pop("id")
            hosts[old] = conn.execute(t_host.insert().values(**row)).inserted_primary_key[0]
        services = {}
        for service in src["services"]:
            row = dict(service, office_id=new_id)
            old = row.pop("id")
            services[old] = conn.execute(t_service.insert().values(**row)).inserted_primary_key[0]
        salt = f"office{n}"
        responses = [dict(r, id=_new_id(r["id"], salt), office_id=new_id, device_id=None,
                          visit_id=_new_id(r["visit_id"], salt) if r["visit_id"] else None,
                          host_id=hosts.get(r["host_id"]) if r["host_id"] else None,
                          service_id=services.get(r["service_id"]) if r["service_id"] else None)
                     for r in src["responses"]]
        _insert(conn, t_response, responses)
        total += copy_visits(src, new_id, hosts, services, salt, timedelta(0), visits - total)
        made_offices.append((new_id, office["id"], hosts, services))
        if n % 5 == 0:
            db.session.commit()
            conn = db.session.connection()
            log(f"office {n + 1}/{offices}: {total} visits")
    everyone = [(o["id"], o["id"], {}, {}) for o in demo] + made_offices
    # 2. Earlier weeks: every office's visits again, 4, 8, 12 ... weeks back, until `visits`.
    weeks = 4
    while total < visits:
        for office_id, src_id, hosts, services in everyone:
            if total >= visits:
                break
            total += copy_visits(source[src_id], office_id, hosts, services, f"{office_id}w{weeks}",
                                 -timedelta(weeks=weeks), visits - total)
        db.session.commit()
        conn = db.session.connection()
        log(f"{weeks} weeks back: {total} visits")
        weeks += 4
    db.session.commit()
    # The copies bypassed the push path, which keeps the dashboard's day rows: make them now.
    from server.dashboard.days import keep_all

    keep_all()
    db.session.commit()
    return {"offices": db.session.scalar(select(func.count()).select_from(Office)),
            "visits": db.session.scalar(select(func.count()).select_from(Visit)),
            "events": db.session.scalar(select(func.count()).select_from(VisitEvent)),
            "survey_responses": db.session.scalar(select(func.count()).select_from(SurveyResponse)),
            "big_month": big_month}
