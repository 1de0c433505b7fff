"""Insight for supervisors and central admins: readable charts with their tables and CSV, the
last complete period by default, "late" judged as the register judges it, visit analytics,
and menus that never lead to a 403."""
import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest

from reports.periods import period_containing
from server.models import ELEMENT_KEYS

OCT = "2026-10"


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.data[:300]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _svg(html: str, label: str) -> str:
    """Return the chart whose aria-label is `label`."""
    match = re.search(r'<svg[^>]*aria-label="%s".*?</svg>' % re.escape(label), html, re.S)
    assert match, f"no chart {label!r}"
    return match.group(0)


def _ticks(svg: str) -> list[str]:
    return re.findall(r'class="tick">([^<]+)</text>', svg)


def test_dashboard_defaults_to_the_last_complete_month(db, staffed, as_user, make_response):
    now = datetime.now(timezone.utc)
    last_month = period_containing(now, "month").shift(-1)
    make_response(staffed.office, 4, at=now - timedelta(minutes=5))
    make_response(staffed.office, 3, at=last_month.start + timedelta(days=2))
    client = as_user(staffed.users["supervisor"])
    html = client.get("/dashboard/").get_data(as_text=True)
    assert f"Dasbor pengawas · {last_month.label_id}" in html
    row = _csv(client.get("/dashboard/ikm.csv"))[1]
    assert row[2] == last_month.code and row[3] == "1" and row[4] == "75.0"


def test_ikm_trend_axis_is_scaled_to_the_data_and_shows_the_values(db, staffed, as_user, make_response):
    make_response(staffed.office, 3, at=datetime(2026, 9, 10, 3, tzinfo=timezone.utc))
    make_response(staffed.office, 4, at=datetime(2026, 10, 10, 3, tzinfo=timezone.utc))
    html = as_user(staffed.users["supervisor"]).get(f"/dashboard/?period={OCT}").get_data(as_text=True)
    chart = _svg(html, "Tren IKM")
    ticks = [t for t in _ticks(chart) if t.isdigit()]
    assert ticks[0] == "70" and ticks[-1] == "100", ticks  # not squeezed into 25..100
    assert ">75,00<" in chart and ">100,00<" in chart  # the values at the points
    table = html[html.index('data-testid="trend-table"'):]
    assert "75,00" in table[:2000] and "100,00" in table[:2000]


def _visit_with_check(make_visit, desk, host, at, minutes, **kw):
    """A visit whose identity check (cocokkan_identitas, standard 15 minutes) took `minutes`."""
    return make_visit(desk, host=host, at=at, steps=[("verification", minutes, {"ok": True}, "cocokkan_identitas")],
                      **kw)


@pytest.mark.parametrize("minutes,late", [((5, 25, 30), "ya"), ((5, 5, 25), "tidak")])
def test_a_step_is_late_when_its_median_passes_the_standard_as_in_the_register(
        db, staffed, as_user, tablet, make_visit, minutes, late):
    desk = tablet(staffed.office)
    start = datetime(2026, 10, 6, 2, 0, tzinfo=timezone.utc)
    visits = [_visit_with_check(make_visit, desk, staffed.host, start + timedelta(hours=n), m)
              for n, m in enumerate(minutes)]
    client = as_user(staffed.users["supervisor"])
    row = {r[1]: r for r in _csv(client.get(f"/dashboard/sop.csv?period={OCT}"))[1:]}["cocokkan_identitas"]
    assert row[2].startswith("Mencocokan Data Identitas") and row[3] == "15" and row[7] == late
    from reports.register import sop_timing

    register = {r["key"]: r for r in sop_timing(staffed.office, visits)}["cocokkan_identitas"]
    assert float(register["median"]) == float(row[5]) and register["late"] == (late == "ya")
    html = client.get(f"/dashboard/?period={OCT}").get_data(as_text=True)
    chart = _svg(html, "Median menit per langkah SOP terhadap menit baku")
    assert "Mencocokan Data Identitas" in chart and "cocokkan_identitas" not in chart
    assert ('fill="#b3261e"' in chart) == (late == "ya")  # the late colour only for a late median


def test_element_and_service_trends_have_tables_and_csv(db, staffed, as_user, make_response):
    scores = {k: 4 for k in ELEMENT_KEYS} | {"waktu": 2}
    make_response(staffed.office, scores, at=datetime(2026, 10, 10, 3, tzinfo=timezone.utc),
                  service_id=staffed.service.id)
    client = as_user(staffed.users["supervisor"])
    html = client.get(f"/dashboard/?period={OCT}").get_data(as_text=True)
    assert 'aria-label="Tren per unsur (NRR x 25)"' in html and 'aria-label="Tren IKM per layanan"' in html
    elements = {r[0]: r[1:] for r in _csv(client.get(f"/dashboard/elements.csv?period={OCT}"))[1:]}
    assert elements["waktu"][-1] == "50.0" and elements["sarana"][-1] == "100.0" and elements["sarana"][0] == ""
    services = _csv(client.get(f"/dashboard/services.csv?period={OCT}"))
    assert services[1][:2] == ["KANTOR-A", "Konsultasi pengadaan"]
    assert services[1][-1] == "94.44"  # (8 x 4 + 2) / 9 x 25


def test_peak_hours_are_counted_in_the_offices_local_time(db, staffed, as_user, tablet, make_visit):
    # Monday 5 October 2026, 02:30 UTC: 09:30 in Jakarta (KANTOR-A), 10:30 in Makassar (KANTOR-B).
    at = datetime(2026, 10, 5, 2, 30, tzinfo=timezone.utc)
    make_visit(tablet(staffed.office), host=staffed.host, at=at)
    make_visit(tablet(staffed.other), host=staffed.other_host, at=at)
    rows = _csv(as_user(staffed.users["central_admin"]).get(f"/dashboard/visits/hours.csv?period={OCT}"))
    monday = dict(zip(rows[0][1:], rows[1][1:], strict=True))
    assert rows[1][0] == "Sen" and monday["09"] == "1" and monday["10"] == "1"
    assert sum(int(n) for row in rows[1:] for n in row[1:]) == 2


def test_turned_away_and_cancellation_reasons_read_the_visit_lifecycle(db, staffed, as_user, tablet, make_visit):
    desk = tablet(staffed.office)
    at = datetime(2026, 10, 7, 3, tzinfo=timezone.utc)
    make_visit(desk, host=staffed.host, at=at, steps=[("host_unavailable", 3, {"reason": "Sedang rapat"}, None)])
    make_visit(desk, host=staffed.host, at=at + timedelta(hours=1),
               steps=[("host_unavailable", 3, {"reason": "sedang  RAPAT"}, None)])
    make_visit(desk, host=staffed.host, at=at + timedelta(hours=2), steps=[("cancelled", 4, {"reason": "Salah alamat"}, None)])
    newer = make_visit(desk, host=staffed.host, at=at + timedelta(hours=3))
    newer.state = dict(newer.state, outcome="turned_away", outcome_reason="Pejabat dinas luar", by_appointment=True)
    db.session.commit()
    client = as_user(staffed.users["office_admin"])
    reasons = {(r[0], r[1]): int(r[2]) for r in _csv(client.get(f"/dashboard/visits/reasons.csv?period={OCT}"))[1:]}
    assert reasons == {("turned_away", "Sedang rapat"): 2, ("turned_away", "Pejabat dinas luar"): 1,
                       ("cancelled", "Salah alamat"): 1}
    outcomes = {r[0]: int(r[2]) for r in _csv(client.get(f"/dashboard/visits/outcomes.csv?period={OCT}"))[1:]}
    assert outcomes["turned_away"] == 3 and outcomes["cancelled"] == 1 and outcomes["by_appointment"] == 1


def test_repeat_guests_institutions_and_waits_are_counted(db, staffed, as_user, tablet, make_visit):
    desk = tablet(staffed.office)
    at = datetime(2026, 10, 8, 2, tzinfo=timezone.utc)
    make_visit(desk, host=staffed.host, at=datetime(2026, 9, 8, 2, tzinfo=timezone.utc), nik="6171014506900003")
    for n, (nik, institution) in enumerate([("6171014506900001", "CV Maju Jaya"), ("6171014506900001", "cv maju  jaya"),
                                            ("6171014506900002", "Dinas PU"), ("6171014506900003", "Dinas PU")]):
        make_visit(desk, host=staffed.host, service=staffed.service, at=at + timedelta(hours=n), nik=nik,
                   institution=institution, steps=[("admitted", 12, {}, "terima_tamu"), ("checked_out", 40, {}, None)])
    client = as_user(staffed.users["supervisor"])
    repeat = dict(_csv(client.get(f"/dashboard/visits/repeat.csv?period={OCT}"))[1:])
    assert repeat["tamu_dengan_identitas"] == "3" and repeat["tamu_datang_lebih_dari_sekali"] == "1"
    assert repeat["kunjungan_tamu_berulang"] == "2" and repeat["tamu_pernah_datang_sebelumnya"] == "1"
    institutions = _csv(client.get(f"/dashboard/visits/institutions.csv?period={OCT}"))[1:]
    assert sorted(institutions) == [["CV Maju Jaya", "2"], ["Dinas PU", "2"]]
    durations = {r[0]: r for r in _csv(client.get(f"/dashboard/visits/durations.csv?period={OCT}"))[1:]}
    assert durations["lama_kunjungan"][1:3] == ["4", "40.0"]
    assert durations["menunggu_sebelum_diterima"][1:3] == ["4", "12.0"]
    html = client.get(f"/dashboard/visits?period={OCT}&service={staffed.service.id}&host={staffed.host.id}")
    assert html.status_code == 200 and "<strong>4</strong>" in html.get_data(as_text=True)


def test_analytics_point_to_the_no_shows_instead_of_saying_appointments_do_not_exist(db, staffed, as_user):
    html = as_user(staffed.users["supervisor"]).get(f"/dashboard/visits?period={OCT}").get_data(as_text=True)
    assert "setelah fitur janji temu tersedia" not in html
    assert "Ketidakhadiran janji temu per layanan dan pejabat ada di dasbor" in html


def test_analytics_filters_refuse_other_offices_and_bad_values(db, staffed, as_user):
    client = as_user(staffed.users["supervisor"])
    assert client.get(f"/dashboard/visits?host={staffed.other_host.id}").status_code == 403
    assert client.get(f"/dashboard/visits?office={staffed.other.id}").status_code == 403
    bad = client.get("/dashboard/visits?service=abc")
    assert bad.status_code == 400 and "Pilihan tidak valid" in bad.get_data(as_text=True)
    assert client.get("/dashboard/visits?period=2026-13").status_code == 400


def _nav_links(html: str) -> list[str]:
    links = []
    for nav in re.findall(r"<nav\b.*?</nav>", html, re.S):
        links += [h for h in re.findall(r'href="([^"#]+)"', nav) if h.startswith("/")]
    return links


@pytest.mark.parametrize("role", ["central_admin", "office_admin", "supervisor", "receptionist", "security", "host"])
def test_no_menu_link_leads_to_a_403(db, staffed, as_user, role):
    client = as_user(staffed.users[role])
    start = client.get("/", follow_redirects=True)
    seen, todo, problems = set(), [start.request.path], []
    while todo and len(seen) < 40:
        path = todo.pop()
        if path in seen or path.startswith(("/logout", "/static")):
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code == 403:
            problems.append(path)
            continue
        if response.mimetype == "text/html":
            todo += [p for p in _nav_links(response.get_data(as_text=True)) if p.split("?")[0] not in seen]
    assert not problems, f"{role}: menu links answering 403: {problems}"
    if role == "supervisor":
        assert "/admin/reports" in seen and "/dashboard/recap" in seen


def test_remembered_figures_follow_new_answers_and_visits(db, staffed, as_user, tablet, make_visit, make_response):
    client = as_user(staffed.users["supervisor"])
    make_response(staffed.office, 4, at=datetime(2026, 10, 10, 3, tzinfo=timezone.utc))
    assert _csv(client.get(f"/dashboard/ikm.csv?period={OCT}"))[1][3] == "1"
    assert _csv(client.get(f"/dashboard/volume.csv?period={OCT}"))[1][-1] == "0"
    make_response(staffed.office, 3, at=datetime(2026, 10, 11, 3, tzinfo=timezone.utc))
    make_visit(tablet(staffed.office), host=staffed.host, at=datetime(2026, 10, 12, 3, tzinfo=timezone.utc))
    assert _csv(client.get(f"/dashboard/ikm.csv?period={OCT}"))[1][3:5] == ["2", "87.5"]
    assert _csv(client.get(f"/dashboard/volume.csv?period={OCT}"))[1][-1] == "1"
    assert _csv(client.get(f"/dashboard/visits/outcomes.csv?period={OCT}"))[1:] != []
