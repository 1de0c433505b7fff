"""Downloads people open in a spreadsheet: CSV and XLSX, formula injection neutralised
(OWASP CSV injection), personal data masked, typed cells, one sheet per office."""
import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from server.exports.cells import neutralise

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
