"""Downloads people open in a spreadsheet: CSV and XLSX, formula injection neutralised
(OWASP CSV injection), personal data masked, typed cells, one sheet per office."""
import csv
import io
from datetime import datetime, timezone

import pytest

from server.exports.cells import neutralise
from sync.rules import mask_id_number

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"klik\")", "+1+1", "-2+3", "@SUM(A1)",
            "\tcmd", "\rcmd"]


def _csv(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.parametrize("text", FORMULAS)
def test_a_cell_starting_a_formula_is_prefixed_with_a_quote(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Biro Uji", "", "3.54", 12, -4, 88.33, None, "a=b", "0812-34"])
def test_other_cells_are_left_as_they_are(value):
    assert neutralise(value) == value


def test_office_name_with_a_formula_reaches_the_dashboard_csv_as_text(db, staffed, as_user):
    staffed.office.name = FORMULAS[0]
    db.session.commit()
    rows = _csv(as_user(staffed.users["supervisor"]).get("/dashboard/ikm.csv"))
    assert rows[1][1] == "'" + FORMULAS[0]
    assert not any(cell[:1] in "=+-@\t\r" for row in rows for cell in row if cell)


def test_username_starting_with_a_minus_reaches_the_audit_csv_as_text(db, staffed, as_user, make_user):
    admin = make_user("office_admin", office=staffed.office, username="-admin+1")
    client = as_user(admin)
    client.get("/admin/")
    from server.audit import record_audit

    with client.application.test_request_context():
        record_audit("test.action", office_id=staffed.office.id, target_type="office",
                     target_id="=1+1", user_id=admin.id)
    db.session.commit()
    rows = _csv(client.get("/admin/audit.csv"))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'-admin+1" in cells and "'=1+1" in cells
    assert not any(cell[:1] in "=+-@\t\r" for cell in cells if cell)



@pytest.mark.parametrize("url", ["/admin/audit.csv", "/dashboard/ikm.csv", "/dashboard/visits/hours.csv?period=2026-10",
                                 "/dashboard/exports/visits.csv?period=2026-10",
                                 "/dashboard/exports/responses.csv?period=2026-10"])
def test_every_csv_download_names_its_charset_once(db, staffed, as_user, url):
    response = as_user(staffed.users["central_admin"]).get(url)
    assert response.status_code == 200, response.data[:300]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"


# -- month exports --------------------------------------------------------------------------

def _xlsx(response):
    from openpyxl import load_workbook

    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.data))


def test_month_visits_xlsx_has_typed_cells_a_frozen_header_and_a_sheet_per_office(
        db, staffed, as_user, tablet, make_visit):
    at = datetime(2026, 10, 5, 2, 30, tzinfo=timezone.utc)  # 09:30 WIB, 10:30 WITA
    make_visit(tablet(staffed.office), host=staffed.host, at=at, institution="=HYPERLINK(\"x\")",
               steps=[("admitted", 10, {}, "terima_tamu"), ("checked_out", 45, {}, None)])
    make_visit(tablet(staffed.other), host=staffed.other_host, at=at, nik="6471055212990007")
    book = _xlsx(as_user(staffed.users["central_admin"]).get("/dashboard/exports/visits.xlsx?period=2026-10"))
    assert book.sheetnames == ["KANTOR-A", "KANTOR-B"]
    sheet = book["KANTOR-A"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert header[3] == "No. antrean"  # the glossary's (KBBI) word
    assert row["Tanggal"] == datetime(2026, 10, 5) and sheet["B2"].is_date
    assert row["Jam daftar"] == datetime(2026, 10, 5, 9, 30) and sheet["C2"].is_date
    assert row["No. identitas (disamarkan)"] == mask_id_number("6171014506900001")
    assert row["Instansi"] == "'=HYPERLINK(\"x\")"
    assert row["Lama kunjungan (menit)"] == 45 and row["Menunggu sebelum diterima (menit)"] == 10
    assert row["Pejabat dituju"] == "Dr. Rina Kartika"
    other = dict(zip(header, [c.value for c in book["KANTOR-B"][2]], strict=True))
    assert other["Jam daftar"] == datetime(2026, 10, 5, 10, 30)  # Makassar time
    cells = [str(c.value) for ws in book for r in ws.iter_rows() for c in r if c.value is not None]
    assert not any("081234567890" in c or "6171014506900001" in c for c in cells)


def test_office_admin_exports_only_their_office_as_csv(db, staffed, as_user, tablet, make_visit):
    at = datetime(2026, 10, 5, 2, 30, tzinfo=timezone.utc)
    make_visit(tablet(staffed.office), host=staffed.host, at=at, name="-Siti")
    make_visit(tablet(staffed.other), host=staffed.other_host, at=at, name="Tamu Lain")
    client = as_user(staffed.users["office_admin"])
    rows = _csv(client.get("/dashboard/exports/visits.csv?period=2026-10"))
    assert len(rows) == 2 and rows[1][0] == "KANTOR-A" and rows[1][4] == "'-Siti"
    assert rows[1][1] == "2026-10-05" and rows[1][2] == "2026-10-05 09:30"
    assert mask_id_number("6171014506900001") in rows[1] and "Tamu Lain" not in str(rows)
    assert client.get(f"/dashboard/exports/visits.csv?period=2026-10&office={staffed.other.id}").status_code == 403


def test_month_survey_responses_export_with_the_nine_scores(db, staffed, as_user, make_response):
    from server.models import ELEMENT_KEYS

    make_response(staffed.office, {k: 4 for k in ELEMENT_KEYS} | {"biaya": 2},
                  at=datetime(2026, 10, 9, 4, tzinfo=timezone.utc), saran="@ruang tunggu", gender="P")
    book = _xlsx(as_user(staffed.users["supervisor"]).get("/dashboard/exports/responses.xlsx?period=2026-10"))
    sheet = book["KANTOR-A"]
    row = dict(zip([c.value for c in sheet[1]], [c.value for c in sheet[2]], strict=True))
    assert row["U4 biaya"] == 2 and row["U1 persyaratan"] == 4 and row["Saran"] == "'@ruang tunggu"
    assert row["Waktu"] == datetime(2026, 10, 9, 11, 0) and row["Jenis kelamin"] == "P"


def test_an_export_of_a_bad_month_is_a_400_naming_the_period(db, staffed, as_user):
    client = as_user(staffed.users["supervisor"])
    response = client.get("/dashboard/exports/visits.xlsx?period=2026-Q4", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "period" in response.get_json()["error"]["fields"]
    page = client.get("/dashboard/exports?period=kemarin")
    assert page.status_code == 400 and "Bulan tidak dikenal" in page.get_data(as_text=True)


def test_every_export_is_audited(db, staffed, as_user):
    from server.models import AuditLog

    as_user(staffed.users["supervisor"]).get("/dashboard/exports/responses.csv?period=2026-10")
    entry = db.session.scalars(db.select(AuditLog).where(AuditLog.action == "export.responses")).one()
    assert entry.office_id == staffed.office.id and entry.detail["period"] == "2026-10"


def test_every_csv_and_spreadsheet_writer_goes_through_the_one_neutraliser():
    """A new CSV or XLSX writer elsewhere would bypass neutralise: CSV and workbooks are
    written only by server/webutil.py (csv_response) and server/exports/spreadsheet.py."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    writers = set()
    for folder in ("server", "reports", "sync"):
        for path in (root / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if re.search(r"csv\.(writer|DictWriter)\(|Workbook\(|xlsxwriter", text):
                writers.add(path.relative_to(root).as_posix())
    assert writers == {"server/webutil.py", "server/exports/spreadsheet.py"}, writers
    for name in writers:
        assert "neutralise" in (root / name).read_text(encoding="utf-8"), name
