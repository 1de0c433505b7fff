"""The office's staff-lock minutes: set on the office form, checked, and pulled by the tablets."""
import pytest

from server.models import Office
from tests.web.test_admin import OFFICE_FORM


def test_office_form_stores_the_staff_lock_minutes_and_tablets_pull_them(db, staffed, as_user):
    from server.api.pull import office_data

    client = as_user(staffed.users["central_admin"])
    assert client.post("/admin/offices/new", data={**OFFICE_FORM, "staff_lock_minutes": "7"}).status_code == 302
    office = db.session.scalar(db.select(Office).where(Office.code == "KANTOR-C"))
    assert office.staff_lock_minutes == 7
    assert office_data(office)["staff_lock_minutes"] == 7


def test_office_without_staff_lock_minutes_locks_after_five(db, staffed, as_user):
    client = as_user(staffed.users["central_admin"])
    assert client.post("/admin/offices/new", data=OFFICE_FORM).status_code == 302
    office = db.session.scalar(db.select(Office).where(Office.code == "KANTOR-C"))
    assert office.staff_lock_minutes == 5


@pytest.mark.parametrize("value", ["0", "61", "lima"])
def test_staff_lock_minutes_out_of_range_is_refused_with_a_field_error(db, staffed, as_user, value):
    client = as_user(staffed.users["central_admin"])
    response = client.post("/admin/offices/new", data={**OFFICE_FORM, "staff_lock_minutes": value})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "staff_lock_minutes" in page and ("antara 1 dan 60" in page or "bilangan bulat" in page)
    assert db.session.scalar(db.select(Office).where(Office.code == "KANTOR-C")) is None
