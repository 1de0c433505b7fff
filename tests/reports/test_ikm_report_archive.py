"""The IKM report as an office signs and publishes it: printed figures that add up, the
stated population, a caveat for a small sample, no grade from a handful of answers, the saran,
a cover page and profiles in category order (issue 14, items 8-12)."""
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from reports import register
from reports.ikm import format_id, ikm_for
from reports.ikm_report import calculation_table, gather_ikm_report
from reports.jobs import build_report
from reports.periods import parse_period

from .conftest import pdf_text, utc


def flat(text: str) -> str:
    return " ".join(text.split())


def _figures(text: str) -> dict:
    """Read the element table back from the PDF text: tertimbang per row, IKM, konversi."""
    rows = {}
    for n in range(1, 10):
        match = re.search(rf"U{n} .*? (\d+) (\d+) (\d,\d{{3}}) (\d,\d+) [A-D]", text)
        assert match, f"U{n}"
        rows[n] = Decimal(match[4].replace(",", "."))
    ikm = Decimal(re.search(r"IKM \(jumlah NRR tertimbang\) (\d,\d+)", text)[1].replace(",", "."))
    konversi = Decimal(re.search(r"IKM konversi \(IKM × 25\) (\d+,\d+)", text)[1].replace(",", "."))
    published = re.search(r"dibulatkan 2 desimal\) dan mutunya (\d+,\d\d) ([A-D])", text)
    return {"rows": rows, "ikm": ikm, "konversi": konversi, "published": published[1], "mutu": published[2]}


@pytest.mark.parametrize("convention", ["0.111", "exact"])
def test_printed_element_table_adds_up_with_a_calculator(db, make_office, make_response, convention):
    office = make_office(ikm_convention=convention)
    # The demo's Kaltim semester in small: NRRs whose 3-place tertimbang used to sum short.
    rng_scores = [[4, 3, 4, 4, 3, 4, 4, 3, 4], [3, 4, 3, 4, 4, 3, 4, 3, 3], [4, 4, 4, 4, 3, 4, 3, 3, 4],
                  [3, 3, 3, 4, 4, 4, 4, 3, 4], [4, 4, 3, 4, 3, 3, 4, 4, 3], [4, 3, 4, 3, 4, 4, 3, 3, 4],
                  [3, 4, 4, 4, 3, 4, 4, 2, 3]]
    for n in range(70):
        make_response(office, utc(2026, 10, 1, 3) + timedelta(hours=n), rng_scores[n % 7], commit=False)
    db.session.commit()
    result = ikm_for(office.id, parse_period("2026-10"))
    path, _ = build_report("ikm", office.id, "2026-10")
    figures = _figures(flat(pdf_text(path.read_bytes())[1]))
    assert sum(figures["rows"].values()) == figures["ikm"]  # the column sums to the IKM row
    assert figures["ikm"] * 25 == figures["konversi"]  # the IKM row x 25 is the konversi row
    # The published figure is that konversi rounded half-up to 2 places, and its grade.
    assert Decimal(figures["published"].replace(",", ".")) == \
        figures["konversi"].quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert figures["published"] == format_id(result.konversi_rounded, 2) and figures["mutu"] == result.mutu
    if convention == "0.111":
        assert figures["konversi"] == result.konversi_exact  # nothing rounded on the way


def test_reference_example_prints_88_245_and_grade_b_under_0111(db, make_office, make_response):
    office = make_office(ikm_convention="0.111")
    totals = [354, 353, 353, 353, 353, 354, 354, 353, 353]
    for n in range(100):
        make_response(office, utc(2026, 10, 2, 3) + timedelta(minutes=n),
                      [4 if n < t - 300 else 3 for t in totals], commit=False)
    db.session.commit()
    result = ikm_for(office.id, parse_period("2026-10"))
    assert calculation_table(result)["konversi"] == Decimal("88.245")
    text = flat(pdf_text(build_report("ikm", office.id, "2026-10")[0].read_bytes())[1])
    assert "IKM konversi (IKM × 25) 88,245" in text
    assert "dibulatkan 2 desimal) dan mutunya 88,25 B" in text  # 88,25 is below 88,31: B


def test_population_is_what_the_office_states_and_respondents_over_it_are_flagged(
        db, make_office, make_response, make_visit):
    office = make_office(population={"2026-10": 40})
    for n in range(50):
        make_response(office, utc(2026, 10, 2, 3) + timedelta(minutes=n), [4] * 9, commit=False)
    for n in range(10):
        make_visit(office, utc(2026, 10, 3, 3) + timedelta(minutes=n), commit=False)
    db.session.commit()
    text = flat(pdf_text(build_report("ikm", office.id, "2026-10")[0].read_bytes())[1])
    assert "40 (dinyatakan oleh kantor)" in text
    assert "melebihi populasi" in text
    # A period the office states nothing for falls back to the visits recorded.
    data = gather_ikm_report(office, parse_period("2026-11", office.timezone))
    assert data["population_source"] == "visits"


def test_small_sample_carries_its_caveat_into_the_closing_section(db, make_office, make_response):
    office = make_office(population={"2026-10": 1000})  # Krejcie-Morgan asks for 278
    for n in range(12):
        make_response(office, utc(2026, 10, 2, 3) + timedelta(minutes=n), [3] * 9, commit=False)
    db.session.commit()
    text = flat(pdf_text(build_report("ikm", office.id, "2026-10")[0].read_bytes())[1])
    assert "278 responden — BELUM MENCUKUPI" in text
    closing = text.split("V. PENUTUP")[1]
    assert "BELUM MENCUKUPI" in closing and "12" in closing and "278" in closing


def test_unfinished_period_says_data_until_today(db, make_office, make_response, monkeypatch):
    office = make_office(timezone="Asia/Makassar")
    make_response(office, utc(2026, 10, 2, 3), [4] * 9)
    monkeypatch.setattr(register, "utcnow", lambda: datetime(2026, 12, 4, 3, tzinfo=timezone.utc))
    running = flat(pdf_text(build_report("ikm", office.id, "2026-S2")[0].read_bytes())[1])
    assert "data s.d. 4 Desember 2026" in running
    finished = flat(pdf_text(build_report("ikm", office.id, "2026-Q3")[0].read_bytes())[1])
    assert "data s.d." not in finished


def test_host_or_service_below_the_threshold_gets_no_grade(db, make_office, make_host, make_service,
                                                           make_response):
    office = make_office(respondent_threshold=5)
    bupati = make_host(office, name="H. Bupati Contoh", position="Bupati")
    kabag = make_host(office, name="Kepala Bagian Contoh", position="Kabag Umum")
    service = make_service(office, name="Audiensi")
    for n in range(3):
        make_response(office, utc(2026, 10, 2, 3, n), [1] * 9, host_id=bupati.id, service_id=service.id,
                      commit=False)
    for n in range(5):
        make_response(office, utc(2026, 10, 3, 3, n), [4] * 9, host_id=kabag.id, commit=False)
    db.session.commit()
    text = flat(pdf_text(build_report("ikm", office.id, "2026-10")[0].read_bytes())[1])
    assert "H. Bupati Contoh 3 belum cukup responden" in text  # not graded from 3 answers
    assert "Kepala Bagian Contoh 5 100,00 A" in text
    assert "Audiensi 3 belum cukup responden" in text
    assert "kurang dari 5 responden" in text


def test_saran_are_summarised_by_theme_and_listed_without_identity(db, make_office, make_response):
    office = make_office()
    saran = ["Toilet tamu perlu lebih dijaga kebersihannya.", "Tempat parkir tamu masih sempit.",
             "Waktu tunggu terlalu lama, hubungi saya 0812-3456-7890 atau budi@contoh.id",
             "Tempat parkir tamu masih sempit."]
    for n, text in enumerate(saran):
        make_response(office, utc(2026, 10, 2, 3, n), [3] * 9, saran=text, commit=False)
    make_response(office, utc(2026, 10, 2, 4), [3] * 9, commit=False)
    db.session.commit()
    text = flat(pdf_text(build_report("ikm", office.id, "2026-10")[0].read_bytes())[1])
    assert "Sebanyak 4 responden menuliskan saran" in text
    assert "Sarana dan Prasarana 3" in text and "Waktu Penyelesaian 1" in text
    assert "Tempat parkir tamu masih sempit. (2 responden)" in text
    assert "0812" not in text and "budi@contoh.id" not in text and "Waktu tunggu terlalu lama" in text


def test_unfilled_follow_up_plan_is_an_empty_line_to_fill(db, make_office, make_response):
    office = make_office()
    make_response(office, utc(2026, 10, 2, 3), [4, 4, 1, 4, 4, 4, 4, 4, 4])
    text = flat(pdf_text(build_report("ikm", office.id, "2026-10")[0].read_bytes())[1])
    assert "Belum diisi" not in text
    assert "Rencana tindak lanjut" in text


def test_report_has_a_cover_page_profiles_in_category_order_and_exact_thresholds(db, make_office, make_response):
    office = make_office(city="Samarinda", letterhead=["PEMERINTAH PROVINSI UJI", "DINAS UJI"])
    for n, (age, education) in enumerate((("60+", "s3"), ("20-29", "sd"), ("60+", "s3"), ("40-49", "s1"),
                                          ("60+", "s3"))):
        make_response(office, utc(2026, 10, 2, 3, n), [4] * 9, age_band=age, education=education)
    import io

    from pypdf import PdfReader

    pdf = build_report("ikm", office.id, "2026-10")[0].read_bytes()
    cover = flat(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    assert "LAPORAN HASIL SURVEI KEPUASAN MASYARAKAT (SKM)" in cover and "Oktober 2026" in cover
    assert "DINAS UJI" in cover and "Samarinda" in cover and "I. PENDAHULUAN" not in cover
    text = flat(pdf_text(pdf)[1])
    ages = [a for a in re.findall(r"(<20|20-29|30-39|40-49|50-59|60\+) \d+ ", text)]
    assert ages == ["20-29", "40-49", "60+"]  # youngest first, not the largest group first
    education = text.index("SD 1"), text.index("D4/S1 1"), text.index("S3 3")
    assert list(education) == sorted(education)
    assert "3,5324" in text and "3,532)" not in text
