"""The dashboard's SOP step minutes are stored with each visit when it is derived
(visit.step_minutes, server/dashboard/step_store.py): they equal the SOP engine's minutes over
all the visit's events, whatever order the events came in; the dashboard pages read no events;
an office that changes its template gets its visits measured again; the migration back-fills
visits stored before it (SQLite and PostgreSQL)."""
import csv
import importlib.util
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import event, inspect, select, text

from server import sop
from server.extensions import db as _db
from server.models import Visit, VisitEvent

OCT = "2026-10"
START = datetime(2026, 10, 6, 2, 0, tzinfo=timezone.utc)
MIGRATION = (Path(__file__).resolve().parents[2] / "server" / "migrations" / "versions"
             / "370d3ba71975_visit_step_minutes.py")


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.data[:300]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _engine_minutes(office, visit) -> dict[str, float]:
    """The SOP engine over every stored event of the visit, as the dashboard computed it on
    each view before the minutes were stored."""
    steps = sop.steps_for(sop.resolve_template(office), visit.tier or None)
    events = []
    for row in _db.session.execute(select(VisitEvent.kind, VisitEvent.step, VisitEvent.corrected_time,
                                          VisitEvent.clock_offset_ms).where(VisitEvent.visit_id == visit.id)):
        payload = {"consent_at": visit.consent_at} if row.kind == "registration" and visit.consent_at else {}
        events.append({"kind": row.kind, "step": row.step, "payload": payload, "corrected_time": row.corrected_time,
                       "clock_offset_ms": row.clock_offset_ms})
    return sop.step_durations(steps, events, places=None)


class _Reads:
    """Collect the SQL the database is sent while the block runs."""

    def __enter__(self):
        self.statements = []
        event.listen(_db.engine, "before_cursor_execute", self._seen)
        return self

    def _seen(self, conn, cursor, statement, *args):
        self.statements.append(statement)

    def __exit__(self, *exc):
        event.remove(_db.engine, "before_cursor_execute", self._seen)

    def of(self, table: str) -> list[str]:
        return [s for s in self.statements if f"FROM {table}" in s or f"JOIN {table}" in s]


def _kalbar_visits(make_visit, desk, host):
    """Visits with loop-backs, skips, a refusal and events that arrive late or out of order."""
    visits = [
        make_visit(desk, host=host, at=START, steps=[
            ("verification", 7, {"ok": True}, "cocokkan_identitas"),
            ("host_notified", 9.5, {}, "hubungi_petugas"),
            ("admitted", 13, {}, "terima_tamu"),
            ("service_feedback", 50, {"sufficient": False}, "tanya_feedback"),
            ("step_done", 71, {}, "beri_pelayanan"),
            ("service_feedback", 74.25, {"sufficient": True}, "tanya_feedback")]),
        make_visit(desk, host=host, at=START + timedelta(hours=1), consent_minutes=0, steps=[
            ("verification", 22, {"ok": False}, "cocokkan_identitas"),
            ("step_done", 31, {}, "perbaiki_identitas")]),
        make_visit(desk, host=host, at=START + timedelta(hours=2), steps=[
            ("host_unavailable", 4, {"reason": "Rapat"}, "hubungi_petugas")]),
        make_visit(desk, host=host, at=START + timedelta(hours=3)),
    ]
    # A later push: events that happened before others already stored, and one after them.
    late = visits[3]
    desk.push([desk.event(late.id, "verification", START + timedelta(hours=3, minutes=16), {"ok": True},
                          step="cocokkan_identitas"),
               desk.event(late.id, "admitted", START + timedelta(hours=3, minutes=40), {}, step="terima_tamu"),
               desk.event(late.id, "host_notified", START + timedelta(hours=3, minutes=21), {},
                          step="hubungi_petugas")])
    return visits


def test_stored_minutes_are_the_engines_over_all_the_events(db, staffed, as_user, tablet, make_visit):
    desk = tablet(staffed.office)
    visits = _kalbar_visits(make_visit, desk, staffed.host)
    from server.api.operations import record_server_event

    record_server_event(visits[3], "host_received", {"by": "Sekretaris"}, step="terima_tamu")
    db.session.expire_all()
    measured = 0
    for visit in db.session.scalars(select(Visit).where(Visit.office_id == staffed.office.id)):
        expected = _engine_minutes(staffed.office, visit)
        assert visit.step_minutes["minutes"] == expected  # exact floats, unrounded
        measured += len(expected)
    assert measured >= 10
    assert visits[0].id and db.session.get(Visit, visits[0].id).step_minutes["minutes"]["tanya_feedback"] == 40.25

    # The dashboard's medians are the register's (which reads the events itself).
    from reports.register import sop_timing

    client = as_user(staffed.users["supervisor"])
    rows = {r[1]: r for r in _csv(client.get(f"/dashboard/sop.csv?period={OCT}"))[1:]}
    visits = db.session.scalars(select(Visit).where(Visit.office_id == staffed.office.id)).all()
    for step in sop_timing(staffed.office, visits):
        if step["median"] is None:
            assert rows[step["key"]][4] == "0"
        else:
            assert float(rows[step["key"]][5]) == float(step["median"]), step["key"]
            assert int(rows[step["key"]][4]) == step["visits"]


def test_dashboard_pages_read_no_events(db, staffed, as_user, tablet, make_visit):
    desk = tablet(staffed.office)
    _kalbar_visits(make_visit, desk, staffed.host)
    client = as_user(staffed.users["supervisor"])
    with _Reads() as reads:
        for path in (f"/dashboard/?period={OCT}", f"/dashboard/sop.csv?period={OCT}",
                     f"/dashboard/?office={staffed.office.id}&period={OCT}", f"/dashboard/visits?period={OCT}",
                     f"/dashboard/visits/hours.csv?period={OCT}", "/dashboard/?period=2026-S2"):
            assert client.get(path).status_code == 200, path
    assert reads.statements and reads.of("visit ")  # the visits were read, ...
    assert reads.of("visit_event") == []  # ... never their events
    rows = {r[1]: r for r in _csv(client.get(f"/dashboard/sop.csv?period={OCT}"))[1:]}
    assert rows["cocokkan_identitas"][4] == "3"


def test_a_changed_template_is_measured_again_from_the_events(db, staffed, as_user, tablet, make_visit):
    office = staffed.office
    desk = tablet(office)
    make_visit(desk, host=staffed.host, at=START, steps=[("verification", 6, {"ok": True}, "cocokkan_identitas")])
    visit = make_visit(desk, host=staffed.host, at=START + timedelta(hours=1), steps=[
        ("host_notified", 3, {}, "terima_di_lobby"), ("admitted", 8, {}, "isi_daftar_hadir")])
    assert visit.step_minutes["minutes"] == {"isi_buku_tamu": 2.0}  # kalbar has no "terima_di_lobby"
    office = db.session.get(type(office), office.id)
    office.sop_template = "kaltim-2022"
    db.session.commit()
    client = as_user(staffed.users["supervisor"])
    rows = {r[1]: r for r in _csv(client.get(f"/dashboard/sop.csv?period={OCT}"))[1:]}
    assert rows["terima_di_lobby"][4:6] == ["1", "5.0"] and rows["isi_daftar_hadir"][4:6] == ["1", "5.0"]
    assert "cocokkan_identitas" not in rows
    db.session.expire_all()
    stored = db.session.get(Visit, visit.id).step_minutes
    assert stored["sop"].startswith("kaltim-2022:") and stored["minutes"] == _engine_minutes(office, visit)
    # Measured once: the next change of data makes the dashboard read stored minutes again.
    make_visit(desk, host=staffed.host, at=START + timedelta(hours=2), steps=[("admitted", 4, {}, "terima_di_lobby")])
    with _Reads() as reads:
        rows = {r[1]: r for r in _csv(client.get(f"/dashboard/sop.csv?period={OCT}"))[1:]}
    assert reads.of("visit_event") == [] and rows["terima_di_lobby"][4] == "2"


def _parent_revision() -> str:
    spec = importlib.util.spec_from_file_location("step_minutes_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.down_revision


def test_migration_back_fills_the_minutes_of_visits_stored_before_it(db, make_office, make_host, tablet, make_visit):
    office = make_office(sop_template="tanjabbar-2017")
    desk = tablet(office)
    for n, tier in enumerate(("pimpinan", "eselon_4_asn")):
        host = make_host(office, tier=tier)
        make_visit(desk, host=host, at=START + timedelta(hours=n), steps=[
            ("card_issued", 2, {"card_number": f"1{n}"}, "sambut_dan_registrasi"),
            ("waiting", 4.5, {}, "arahkan_ruang_tunggu"),
            ("admitted", 20, {}, "menghadap" if tier == "pimpinan" else "bertemu"),
            ("checked_out", 45, {}, "kembalikan_kartu")])
    expected = {v.id: v.step_minutes for v in db.session.scalars(select(Visit))}
    assert all(m["minutes"] for m in expected.values()) and len(expected) == 2
    office_id = office.id
    db.session.remove()

    downgrade(revision=_parent_revision())
    try:
        assert "step_minutes" not in {c["name"] for c in inspect(db.engine).get_columns("visit")}
    finally:
        upgrade()
    db.session.expire_all()
    assert {v.id: v.step_minutes for v in db.session.scalars(select(Visit))} == expected
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM visit WHERE step_minutes IS NULL")).scalar() == 0
    # ... and the closed days are kept summed up: October 6th holds both visits' minutes, in order.
    from server.models.visit import DashboardDay

    day = db.session.get(DashboardDay, (office_id, START.date()))
    ordered = sorted(db.session.scalars(select(Visit)), key=lambda v: v.registered_at)
    assert day.figures["visits"] == 2 and [t for t, _ in day.figures["tiers"]] == ["pimpinan", "eselon_4_asn"]
    from server.dashboard.days import unpack

    assert unpack(day.figures["steps"]["kembalikan_kartu"]) == [v.step_minutes["minutes"]["kembalikan_kartu"]
                                                                for v in ordered]
    assert day.counts["total"] == 2


def _analytics(client, extra=""):
    """Every visit analytics table of October, as CSV rows."""
    return {table: _csv(client.get(f"/dashboard/visits/{table}.csv?period={OCT}{extra}"))
            for table in ("hours", "durations", "outcomes", "reasons", "repeat", "institutions", "purposes",
                          "hosts", "services")}


def test_kept_days_give_the_figures_the_visits_give(db, staffed, as_user, tablet, make_visit):
    from statistics import median

    from server.dashboard import data
    from server.models.visit import DashboardDay

    desk = tablet(staffed.office)
    _kalbar_visits(make_visit, desk, staffed.host)
    make_visit(desk, host=staffed.host, at=START + timedelta(days=9, hours=3), institution="=Dinas X",
               steps=[("cancelled", 3, {"reason": "Salah  alamat"}, None)])
    client = as_user(staffed.users["supervisor"])
    kept = _analytics(client)
    assert db.session.scalar(select(_db.func.count()).select_from(DashboardDay)) >= 10  # October's days
    assert [r[2] for r in kept["outcomes"][1:] if r[0] == "cancelled"] == ["1"]
    # A view filtered by host counts the period's visits one by one: every visit has this host.
    assert _analytics(client, f"&host={staffed.host.id}") == kept
    # The SOP table: each step's samples are the visits' stored minutes, in registration order.
    samples = {}
    for visit in db.session.scalars(select(Visit).order_by(Visit.registered_at)):
        for key, minutes in visit.step_minutes["minutes"].items():
            samples.setdefault(key, []).append(minutes)
    rows = {r[1]: r for r in _csv(client.get(f"/dashboard/sop.csv?period={OCT}"))[1:]}
    for key, values in samples.items():
        assert rows[key][4:7] == [str(len(values)), str(data._round1(median(values))),
                                  str(data._round1(sum(values) / len(values)))], key


def test_a_late_event_on_a_closed_day_reaches_the_figures(db, staffed, as_user, tablet, make_visit):
    desk = tablet(staffed.office)
    visit = make_visit(desk, host=staffed.host, at=START, steps=[("verification", 6, {"ok": True}, "cocokkan_identitas")])
    client = as_user(staffed.users["supervisor"])
    rows = {r[1]: r for r in _csv(client.get(f"/dashboard/sop.csv?period={OCT}"))[1:]}
    assert rows["hubungi_petugas"][4] == "0"
    assert _csv(client.get(f"/dashboard/visits/outcomes.csv?period={OCT}"))[1][::2] == ["checked_out", "0"]
    # A tablet that was offline for weeks sends the rest of October's visit.
    desk.push([desk.event(visit.id, "host_notified", START + timedelta(minutes=10), {}, step="hubungi_petugas"),
               desk.event(visit.id, "checked_out", START + timedelta(minutes=50), {})])
    rows = {r[1]: r for r in _csv(client.get(f"/dashboard/sop.csv?period={OCT}"))[1:]}
    assert rows["hubungi_petugas"][4:6] == ["1", "4.0"] and rows["cocokkan_identitas"][4:6] == ["1", "6.0"]
    outcomes = {r[0]: r[2] for r in _csv(client.get(f"/dashboard/visits/outcomes.csv?period={OCT}"))[1:]}
    assert outcomes["checked_out"] == "1"


def test_the_visit_limit_cuts_the_period_at_the_same_visit(db, staffed, tablet, make_visit):
    from reports.periods import parse_period
    from server.dashboard import data

    desk = tablet(staffed.office)
    for n, minutes in enumerate((3, 40, 9, 21, 30)):  # one visit a day, then two on the 9th
        make_visit(desk, host=staffed.host, at=START + timedelta(days=min(n, 3), hours=n),
                   steps=[("verification", minutes, {"ok": True}, "cocokkan_identitas")])
    office = db.session.get(type(staffed.office), staffed.office.id)
    period = parse_period(OCT)
    for limit, expected in ((1, [3.0]), (4, [3.0, 40.0, 9.0, 21.0]), (5, [3.0, 40.0, 9.0, 21.0, 30.0])):
        rows = {r["key"]: r for r in data._office_step_times(office, period, limit)}
        assert rows["cocokkan_identitas"]["samples"] == sorted(expected), limit
        assert rows["cocokkan_identitas"]["mean"] == data._round1(sum(expected) / len(expected))


def test_days_to_come_and_today_are_not_kept_empty(db, staffed, tablet, make_visit):
    from server.dashboard import days
    from server.models.visit import DashboardDay

    office = staffed.office
    day = START.date()
    # A view on October 5th keeps the days before it, not the rest of the month (still empty).
    assert days.office_days(office, day - timedelta(days=5), day + timedelta(days=5), now=START - timedelta(days=1)) == []
    assert db.session.get(DashboardDay, (office.id, day - timedelta(days=2))).figures["visits"] == 0
    assert db.session.get(DashboardDay, (office.id, day)) is None
    make_visit(tablet(office), host=staffed.host, at=START, steps=[("verification", 6, {"ok": True}, "cocokkan_identitas")])
    # While it is the office's today, the day is read from the visits and never kept.
    seen = days.office_days(office, day, day + timedelta(days=1), now=START)
    assert [(d, f["visits"], days.unpack(f["steps"]["cocokkan_identitas"])) for d, f in seen] == [(day, 1, [6.0])]
    assert db.session.get(DashboardDay, (office.id, day)) is None
    # The day after, it is kept.
    assert days.office_days(office, day, day + timedelta(days=1), now=START + timedelta(days=1)) == seen
    kept = db.session.get(DashboardDay, (office.id, day)).figures["steps"]
    assert {k: days.unpack(v) for k, v in kept.items()} == {"isi_buku_tamu": [2.0], "cocokkan_identitas": [6.0]}


def test_a_push_to_one_office_leaves_the_others_figures_remembered(db, staffed, as_user, tablet, make_visit):
    desk_a, desk_b = tablet(staffed.office), tablet(staffed.other)
    make_visit(desk_a, host=staffed.host, at=START, steps=[("verification", 6, {"ok": True}, "cocokkan_identitas")])
    make_visit(desk_b, host=staffed.other_host, at=START, steps=[("verification", 9, {"ok": True}, "cocokkan_identitas")])
    client = as_user(staffed.users["central_admin"])
    assert client.get(f"/dashboard/sop.csv?period={OCT}").status_code == 200
    make_visit(desk_a, host=staffed.host, at=START + timedelta(days=1),
               steps=[("verification", 12, {"ok": True}, "cocokkan_identitas")])
    with _Reads() as reads:
        rows = _csv(client.get(f"/dashboard/sop.csv?period={OCT}"))[1:]
    selects = [s for s in reads.of("dashboard_day") if s.lstrip().startswith("SELECT")]
    assert len(selects) == 1  # office A's days only: B's figures were remembered
    measured = {(r[0], r[1]): r[4:6] for r in rows}
    assert measured[("KANTOR-A", "cocokkan_identitas")] == ["2", "9.0"]
    assert measured[("KANTOR-B", "cocokkan_identitas")] == ["1", "9.0"]


def test_a_push_of_visits_leaves_the_survey_sums_remembered(db, staffed, as_user, tablet, make_visit, make_response):
    client = as_user(staffed.users["supervisor"])
    make_response(staffed.office, 4, at=START)
    assert _csv(client.get(f"/dashboard/ikm.csv?period={OCT}"))[1][3] == "1"
    make_visit(tablet(staffed.office), host=staffed.host, at=START)
    with _Reads() as reads:
        assert _csv(client.get(f"/dashboard/ikm.csv?period={OCT}"))[1][3] == "1"
    assert not [s for s in reads.of("survey_response") if "sum(" in s.lower()]
    make_response(staffed.office, 3, at=START)
    assert _csv(client.get(f"/dashboard/ikm.csv?period={OCT}"))[1][3:5] == ["2", "87.5"]


def test_a_push_landing_while_a_page_keeps_its_day_is_counted(app, db, staffed, tablet, make_visit, monkeypatch):
    """A page reads a closed day's visits to keep its row while a late push for that day lands:
    the push waits until the row is kept and then forgets it, so the next view counts the push
    (without the wait, the row made from the visits before the push stayed for good)."""
    import threading

    from server.dashboard import days
    from server.models import Office

    desk = tablet(staffed.office)
    visit = make_visit(desk, host=staffed.host, at=START, steps=[("verification", 6, {"ok": True}, "cocokkan_identitas")])
    office_id, day, later = staffed.office.id, START.date(), START + timedelta(days=30)
    read, go, pushed = threading.Event(), threading.Event(), threading.Event()
    summarize = days.summarize

    def counted() -> dict:
        office = _db.session.get(Office, office_id)
        made = summarize(days._visits_between(office, *days._day_bounds(day, office.tz)), office.sop_template,
                         office.tz)
        return days.split(made[day])["counts"]

    before = counted()

    def paused(*args, **kwargs):
        made = summarize(*args, **kwargs)
        if threading.current_thread().name == "page":
            read.set()
            go.wait(15)
        return made

    def page():
        with app.app_context():
            days.office_days(_db.session.get(Office, office_id), day, day + timedelta(days=1), now=later)
            _db.session.remove()

    def push():
        with app.app_context():
            desk.push([desk.event(visit.id, "host_notified", START + timedelta(minutes=10), {}, step="hubungi_petugas"),
                       desk.event(visit.id, "checked_out", START + timedelta(minutes=50), {})])
            _db.session.remove()
        pushed.set()

    monkeypatch.setattr(days, "summarize", paused)
    viewer = threading.Thread(target=page, name="page")
    viewer.start()
    assert read.wait(15)
    pusher = threading.Thread(target=push)
    pusher.start()
    pushed.wait(1.5)  # the push lands now, or waits for the page's row
    go.set()
    viewer.join(30)
    pusher.join(30)
    assert pushed.is_set()
    monkeypatch.setattr(days, "summarize", summarize)
    _db.session.expire_all()
    office = _db.session.get(Office, office_id)
    kept = dict(days.office_days(office, day, day + timedelta(days=1), now=later, part="counts"))
    assert kept[day] == counted() != before
