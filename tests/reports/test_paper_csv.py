"""Paper surveys: the CSV reader, `sitamu ikm compute`, and the upload page."""
import io
import json

import pytest

from reports.ikm import ELEMENT_KEYS
from reports.paper import CsvError, parse_survey_csv
from server.models import AuditLog, SurveyResponse

HEADER = ",".join(ELEMENT_KEYS)


def csv_of(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


REFERENCE_ROWS = []
for n in range(100):
    REFERENCE_ROWS.append(",".join(str(4 if n < t - 300 else 3)
                                   for t in [354, 353, 353, 353, 353, 354, 354, 353, 353]))


@pytest.fixture
def run_cli(app, tmp_path):
    def run(text: str, *options: str):
        path = tmp_path / "skm.csv"
        path.write_text(text, encoding="utf-8")
        return app.test_cli_runner(mix_stderr=False).invoke(args=["ikm", "compute", str(path), *options]) \
            if _mix_stderr_supported() else app.test_cli_runner().invoke(args=["ikm", "compute", str(path), *options])

    return run


def _mix_stderr_supported() -> bool:
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def test_cli_prints_the_reference_example_as_json(run_cli):
    result = run_cli(csv_of(*REFERENCE_ROWS), "--population", "100")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["respondents"] == 100
    assert data["nrr"]["persyaratan"] == 3.54 and data["nrr"]["prosedur"] == 3.53
    assert data["nrr_tertimbang"]["persyaratan"] == 0.393
    assert (data["konversi"], data["mutu"], data["kinerja"]) == (88.33, "A", "Sangat Baik")
    assert data["convention"] == "exact"
    assert (data["sample_required"], data["sample_enough"]) == (80, True)


def test_cli_0111_convention_gives_grade_b(run_cli):
    data = json.loads(run_cli(csv_of(*REFERENCE_ROWS), "--convention", "0.111").stdout)
    assert (data["konversi"], data["mutu"], data["convention"]) == (88.245, "B", "0.111")
    assert "sample_required" not in data


def test_cli_reports_every_bad_line_and_prints_no_result(run_cli):
    text = csv_of("4,4,4,4,4,4,4,4,4", "5,4,4,4,4,4,4,4,4", "4,x,4,4,4,4,4,4,4", "4,4,4,4,4,4,4,4,4")
    result = run_cli(text)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert ":3: persyaratan is '5'" in result.stderr
    assert ":4: prosedur is 'x'" in result.stderr


def test_cli_refuses_a_header_without_all_elements(run_cli):
    result = run_cli(csv_of("4,4,4,4,4,4,4,4", header=HEADER.replace(",sarana", "")))
    assert result.exit_code == 1 and "sarana" in result.stderr and result.stdout == ""


def test_cli_refuses_a_missing_file(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["ikm", "compute", str(tmp_path / "none.csv")])
    assert result.exit_code != 0


def test_reader_accepts_blanks_any_column_order_profile_and_semicolons():
    header = ";".join(reversed(ELEMENT_KEYS)) + ";jenis_kelamin;usia;pendidikan"
    survey = parse_survey_csv((header + "\n" + "4;;3;3;3;3;3;3;2;Perempuan;30-39;S1\n").encode("utf-8-sig"))
    row = survey.rows[0]
    assert row["sarana"] == 4 and row["pengaduan"] is None and row["persyaratan"] == 2
    assert (row["gender"], row["age_band"], row["education"]) == ("P", "30-39", "S1")
    assert survey.ikm().elements["pengaduan"].count == 0


@pytest.mark.parametrize("text, fragment", [
    ("", "empty"),
    (HEADER + "\n", "no responses"),
    (csv_of(",,,,,,,,"), "no responses"),  # an empty spreadsheet row is a blank line
    (csv_of(",,,,,,,,,L", header=HEADER + ",jk"), "no element answered"),
    (csv_of("4,4,4,4,4,4,4,4,4,9"), "10 values for 9 columns"),
    (csv_of("4,4,4,4,4,4,4,4,4,Z", header=HEADER + ",jenis_kelamin"), "expected L or P"),
    (csv_of("4,4,4,4,4,4,4,4,4,0.5", header=HEADER + ",jk"), "expected L or P"),
    (csv_of("4,4,4,4,4,4,4,4,4,31-12-2026", header=HEADER + ",tanggal"), "expected YYYY-MM-DD"),
])
def test_reader_refuses_bad_files_with_a_reason(text, fragment):
    with pytest.raises(CsvError) as caught:
        parse_survey_csv(text)
    assert fragment in str(caught.value)


def test_upload_adds_paper_responses_to_the_period(client, db, make_office, make_user, login):
    office = make_office(timezone="Asia/Makassar")
    login(make_user("office_admin", office))
    text = csv_of("4,4,4,4,4,4,4,4,4,L,2026-10-05", "2,2,2,,2,2,2,2,2,P,",
                  header=HEADER + ",jenis_kelamin,tanggal")
    response = client.post("/admin/reports/paper", data={
        "office_id": office.id, "period": "2026-10", "file": (io.BytesIO(text.encode()), "skm.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 200, response.data[:400]
    rows = db.session.scalars(db.select(SurveyResponse).order_by(SurveyResponse.submitted_at)).all()
    assert [r.source for r in rows] == ["paper", "paper"]
    assert len({r.batch for r in rows}) == 1
    assert office.local(rows[0].submitted_at).date().isoformat() == "2026-10-05"
    assert office.local(rows[1].submitted_at).date().isoformat() == "2026-10-31"
    assert rows[1].biaya is None and rows[1].gender == "P"
    page = response.get_data(as_text=True)
    # Biaya answered once (4), the other elements twice (4 and 2): (8 x 3 + 4) / 9 x 25 = 77.78.
    assert "IKM 77,78 (B)" in page
    assert db.session.scalar(db.select(AuditLog).where(AuditLog.action == "survey.paper_import"))


def test_upload_with_a_bad_row_stores_nothing(client, db, make_office, make_user, login):
    office = make_office()
    login(make_user("office_admin", office))
    text = csv_of("4,4,4,4,4,4,4,4,4", "4,4,4,4,4,4,4,4,7")
    response = client.post("/admin/reports/paper", data={
        "office_id": office.id, "period": "2026-10", "file": (io.BytesIO(text.encode()), "skm.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Baris 3: sarana berisi &#39;7&#39;, seharusnya 1-4 atau kosong" in page
    assert db.session.scalar(db.select(db.func.count(SurveyResponse.id))) == 0


def test_upload_refuses_dates_outside_the_period(client, db, make_office, make_user, login):
    office = make_office()
    login(make_user("office_admin", office))
    text = csv_of("4,4,4,4,4,4,4,4,4,2026-11-01", header=HEADER + ",tanggal")
    response = client.post("/admin/reports/paper", data={
        "office_id": office.id, "period": "2026-10", "file": (io.BytesIO(text.encode()), "skm.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(SurveyResponse.id))) == 0


def test_upload_to_another_office_is_forbidden(client, db, make_office, make_user, login):
    mine, other = make_office(), make_office()
    login(make_user("office_admin", mine))
    response = client.post("/admin/reports/paper", data={
        "office_id": other.id, "period": "2026-10",
        "file": (io.BytesIO(csv_of("4,4,4,4,4,4,4,4,4").encode()), "skm.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 403
    assert db.session.scalar(db.select(db.func.count(SurveyResponse.id))) == 0
