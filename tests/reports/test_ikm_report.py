"""The IKM report PDF: its figures read back and checked against the engine."""
from datetime import timedelta

from reports.follow_up import save_plans
from reports.ikm import ELEMENT_KEYS, format_id, ikm_for
from reports.ikm_report import calculation_table, format_exact
from reports.jobs import build_report
from reports.periods import parse_period

from .conftest import pdf_text, utc


def test_ikm_report_prints_the_engine_figures_convention_and_plan(db, make_office, make_response,
                                                                  make_visit, artifacts):
    office = make_office(ikm_convention="0.111", signer_name="Ir. Bambang Sutrisno",
                         signer_position="Kepala Biro Pengadaan", signer_nip="19691231 199403 1 002")
    start = utc(2026, 7, 1, 3)
    totals = [354, 353, 353, 353, 353, 354, 354, 353, 353]
    for n in range(100):
        scores = [4 if n < totals[i] - 300 else 3 for i in range(9)]
        scores[3] = None if n == 0 else scores[3]  # one blank on biaya
        make_response(office, start + timedelta(days=n), scores, commit=False,
                      gender="L" if n % 3 else "P", age_band="30-39")
    for n in range(8):  # an earlier semester for the trend
        make_response(office, utc(2026, 3, 1, 3) + timedelta(days=n), [3] * 9, commit=False)
    for n in range(120):
        make_visit(office, start + timedelta(hours=n * 30), commit=False)
    db.session.commit()
    period = parse_period("2026-S2", office.timezone)
    result = ikm_for(office.id, period)
    weakest = result.weakest(1)[0].key
    save_plans(office, period, {weakest: "Menambah petugas loket pada jam sibuk."})

    path, stats = build_report("ikm", office.id, "2026-S2")
    pdf = path.read_bytes()
    (artifacts / "ikm-report.pdf").write_bytes(pdf)
    pages, text = pdf_text(pdf)
    flat = " ".join(text.split())
    assert stats["pages"] == pages >= 2
    assert f"Halaman {pages} dari {pages}" in flat
    assert "LAPORAN HASIL SURVEI KEPUASAN MASYARAKAT (SKM)" in flat
    assert "Semester II 2026" in flat
    assert "Bobot 0,111 dengan NRR dibulatkan 3 desimal" in flat
    for key in ELEMENT_KEYS:
        assert format_id(result.elements[key].nrr, 3) in flat
    table = calculation_table(result)
    assert table["konversi"] == result.konversi_exact  # under 0,111 the printed column is exact
    assert format_exact(result.konversi_exact, 2) in flat  # 88,2xx as computed
    assert f"{format_id(result.konversi_rounded, 2)} Mutu pelayanan {result.mutu}" in flat
    assert f"Mutu pelayanan {result.mutu}" in flat
    assert "Menambah petugas loket pada jam sibuk." in flat
    # 120 visits in the semester as the population: Krejcie-Morgan asks for 92; 100 answered.
    assert "92 responden — MENCUKUPI" in flat
    assert "Semester I 2026" in flat  # the trend includes the earlier period
    assert "NIP. 19691231 199403 1 002" in flat and "Ir. Bambang Sutrisno" in flat


def test_ikm_report_lists_services_and_hosts_with_their_own_ikm(db, make_office, make_service, make_host,
                                                                 make_response):
    office = make_office(respondent_threshold=1)
    service = make_service(office, name="Layanan Informasi Publik")
    host = make_host(office, name="Dra. Rina Marlina", position="Kepala Sub Bagian TU")
    make_response(office, utc(2026, 10, 2, 3), [4] * 9, service_id=service.id, host_id=host.id)
    make_response(office, utc(2026, 10, 3, 3), [3] * 9, service_id=service.id)
    path, _ = build_report("ikm", office.id, "2026-10")
    flat = " ".join(pdf_text(path.read_bytes())[1].split())
    assert "C. IKM per jenis layanan" in flat and "Layanan Informasi Publik 2 87,50 B" in flat
    assert "D. IKM per pejabat/petugas yang ditemui" in flat and "Dra. Rina Marlina" in flat
    assert "1 100,00 A" in flat


def test_ikm_report_cache_is_reused_until_responses_change(db, make_office, make_response):
    office = make_office()
    make_response(office, utc(2026, 10, 2, 3), [4] * 9)
    first, stats = build_report("ikm", office.id, "2026-10")
    assert stats["cached"] is False
    again, stats = build_report("ikm", office.id, "2026-10")
    assert stats["cached"] is True and again == first
    make_response(office, utc(2026, 10, 3, 3), [2] * 9)
    changed, stats = build_report("ikm", office.id, "2026-10")
    assert stats["cached"] is False and changed != first
    _, text = pdf_text(changed.read_bytes())
    assert "Responden" in text and "75,00" in " ".join(text.split())


def test_admin_saves_follow_up_plans_for_a_period(client, db, make_office, make_user, make_response, login):
    from server.models import IkmFollowUp

    office = make_office()
    make_response(office, utc(2026, 10, 2, 3), [4, 4, 1, 4, 4, 4, 4, 4, 4])
    login(make_user("office_admin", office))
    page = client.get(f"/admin/reports/plans?office_id={office.id}&period=2026-10")
    assert page.status_code == 200 and "terendah" in page.get_data(as_text=True)
    response = client.post("/admin/reports/plans", data={"office_id": office.id, "period": "2026-10",
                                                         "plan_waktu": "Menambah loket."})
    assert response.status_code == 302
    saved = db.session.scalars(db.select(IkmFollowUp)).all()
    assert [(p.element, p.plan, p.period) for p in saved] == [("waktu", "Menambah loket.", "2026-10")]
    too_long = client.post("/admin/reports/plans", data={"office_id": office.id, "period": "2026-10",
                                                         "plan_waktu": "x" * 2001})
    assert too_long.status_code == 400
    assert db.session.scalar(db.select(IkmFollowUp.plan)) == "Menambah loket."
