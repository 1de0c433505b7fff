"""The province IKM recap: every office side by side with the province aggregate, as data, PDF
(read back), XLSX, the `sitamu report ikm-recap` command and a web download with progress."""
import io
import time
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from pypdf import PdfReader

from reports.ikm_recap import gather_recap, render_recap_pdf, render_recap_xlsx
from reports.periods import parse_period

OCT, SEP = datetime(2026, 10, 10, 3, tzinfo=timezone.utc), datetime(2026, 9, 10, 3, tzinfo=timezone.utc)


@pytest.fixture
def answered(db, staffed, make_response):
    """KANTOR-A: 3 answers of 4 in October (100.00), 1 answer of 3 in September (75.00);
    KANTOR-B: 1 answer of 2 in October (50.00), stated population 2 for 2026-10."""
    for _ in range(3):
        make_response(staffed.office, 4, at=OCT)
    make_response(staffed.office, 3, at=SEP)
    make_response(staffed.other, 2, at=OCT)
    staffed.other.population = {"2026-10": 2}
    db.session.commit()
    return staffed


def test_recap_puts_offices_side_by_side_with_the_pooled_province(db, answered):
    data = gather_recap([answered.office, answered.other], parse_period("2026-10"))
    a, b = data["rows"]
    assert (a["code"], a["respondents"], a["konversi"], a["mutu"]) == ("KANTOR-A", 3, Decimal("100.00"), "A")
    assert a["previous"] == Decimal("75.00") and a["change"] == Decimal("25.00")
    assert (b["code"], b["konversi"], b["mutu"], b["previous"]) == ("KANTOR-B", Decimal("50.00"), "D", None)
    assert b["population"] == 2 and b["sample_required"] == 2 and b["sample_enough"] is False
    assert a["population"] == 0 and a["sample_required"] is None  # no visits, nothing stated
    total = data["total"]
    # Pooled answers, not a mean of the offices: (3 x 4 + 2) / 4 x 25 = 87.50.
    assert total["respondents"] == 4 and total["konversi"] == Decimal("87.50") and total["mutu"] == "B"
    assert total["nrr"]["sarana"] == Decimal("3.500") and total["previous"] == Decimal("75.00")


def test_recap_pdf_reads_back_with_every_office_and_the_province_row(db, answered):
    pdf = render_recap_pdf(gather_recap([answered.office, answered.other], parse_period("2026-10")))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("REKAPITULASI INDEKS KEPUASAN MASYARAKAT", "Oktober 2026", "KANTOR-A", "Biro Uji A",
                     "KANTOR-B", "100,00", "50,00", "87,50", "+25,00", "PROVINSI", "Halaman 1 dari 1"):
        assert expected in text, expected


def test_recap_xlsx_has_numbers_as_numbers(db, answered):
    from openpyxl import load_workbook

    out = io.BytesIO()
    render_recap_xlsx(gather_recap([answered.office, answered.other], parse_period("2026-10")), out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, [c.value for c in r], strict=True)) for r in sheet.iter_rows(min_row=2)]
    assert sheet.freeze_panes == "A2" and [r["Kode kantor"] for r in rows] == ["KANTOR-A", "KANTOR-B", "PROVINSI"]
    assert rows[0]["IKM (konversi)"] == 100.0 and rows[0]["Perubahan"] == 25.0 and rows[0]["Mutu"] == "A"
    assert rows[2]["IKM (konversi)"] == 87.5 and rows[2]["Responden"] == 4
    assert rows[1]["Sampel cukup"] == "tidak" and rows[1]["U9 Sarana dan Prasarana"] == 2.0


def test_recap_command_writes_pdf_or_xlsx_and_refuses_bad_input(app, db, answered, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["report", "ikm-recap", "--period", "2026-10", "--out", str(tmp_path / "r.pdf")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert '"offices": 2' in result.output and '"respondents": 4' in result.output
    result = runner.invoke(args=["report", "ikm-recap", "--period", "2026-10", "--office", "KANTOR-A",
                                 "--out", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 0 and '"offices": 1' in result.output
    for args, message in ((["--period", "2026-13", "--out", str(tmp_path / "x.pdf")], "month 13"),
                          (["--period", "2026-10", "--out", str(tmp_path / "x.docx")], ".pdf or .xlsx"),
                          (["--period", "2026-10", "--office", "NOPE", "--out", str(tmp_path / "x.pdf")], "NOPE")):
        result = runner.invoke(args=["report", "ikm-recap", *args])
        assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "x.docx").exists()


def _wait(client, url):
    for _ in range(300):
        status = client.get(url).get_json()
        if status["state"] in ("done", "failed"):
            return status
        time.sleep(0.05)
    raise AssertionError("the recap job did not finish")


def test_central_admin_downloads_the_recap_after_its_progress(db, answered, as_user):
    client = as_user(answered.users["central_admin"])
    started = client.post("/dashboard/recap/jobs", data={"period": "2026-10", "format": "pdf"},
                          headers={"Accept": "application/json"})
    assert started.status_code == 202
    status = _wait(client, started.get_json()["status_url"])
    assert status["state"] == "done" and status["offices"] == 2 and status["progress"] == 100
    page = client.get(f"/dashboard/recap/jobs/{status['job_id']}").get_data(as_text=True)
    assert "<progress" in page and status["download_url"] in page
    pdf = client.get(status["download_url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "KANTOR-B" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    again = client.post("/dashboard/recap/jobs", data={"period": "2026-10", "format": "pdf"},
                        headers={"Accept": "application/json"})
    assert again.get_json()["job_id"] == status["job_id"] and again.get_json()["state"] == "done"


def test_a_supervisors_recap_holds_only_their_offices_and_others_cannot_open_it(db, answered, as_user, make_user):
    client = as_user(answered.users["supervisor"])
    started = client.post("/dashboard/recap/jobs", data={"period": "2026-10", "format": "xlsx"},
                          headers={"Accept": "application/json"})
    status = _wait(client, started.get_json()["status_url"])
    assert status["offices"] == 1
    other = make_user("supervisor", office=answered.other, username="pengawas.b")
    assert as_user(other).get(status["download_url"]).status_code == 403
    assert as_user(answered.users["office_admin"]).get(status["status_url"]).status_code == 403


def test_a_bad_recap_request_names_the_field(db, answered, as_user):
    client = as_user(answered.users["central_admin"])
    response = client.post("/dashboard/recap/jobs", data={"period": "kemarin", "format": "docx"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"period", "format"}
