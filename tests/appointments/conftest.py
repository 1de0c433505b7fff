"""Fixtures for appointments: an office taking bookings, a booking made through the form."""

import re
from datetime import date, datetime, timedelta

import pytest

from server.models import Appointment

NIK = "6171014506900001"


def fill_guest(page) -> None:
    """Fill the booking form's identity fields for Siti Aminah (NIK) and give consent."""
    page.fill("#id_number", NIK)
    page.fill("#name", "Siti Aminah")
    page.fill("#phone", "081255550101")
    page.fill("#email", "siti@example.com")
    page.fill("#institution", "CV Maju")
    page.fill("#purpose", "Audiensi pengadaan barang")
    page.check("#consent")


def next_weekday(office, weekday: int = 1, after_days: int = 1) -> date:
    """Return the first date at least `after_days` ahead (office local) that is `weekday`."""
    day = datetime.now(office.tz).date() + timedelta(days=after_days)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


@pytest.fixture
def booking_office(db, make_office, make_service, make_host):
    """An office with a service approved automatically and a host who approves bookings."""
    office = make_office(code="JANJI1", email="kantor@example.go.id")
    service = make_service(
        office=office, name="Konsultasi PBJ", booking_mode="auto", booking_capacity=2
    )
    host = make_host(
        office=office,
        name="Ir. Sri Wahyuni",
        position="Kepala Biro",
        email="biro@example.go.id",
        booking_mode="approval",
        booking_capacity=1,
    )
    return office, service, host


@pytest.fixture
def book(client):
    """Post the public booking form; return the response."""

    def do(office, target_key: str, day: date, time: str = "09:00", **overrides):
        data = {
            "target": target_key,
            "date": day.isoformat(),
            "time": time,
            "id_type": "ktp",
            "id_number": NIK,
            "name": "Siti Aminah",
            "phone": "0812-5555-0101",
            "email": "siti@example.com",
            "institution": "CV Maju",
            "purpose": "Konsultasi pengadaan",
            "consent": "y",
        }
        data.update(overrides)
        return client.post(f"/janji/{office.code}", data=data, content_type="multipart/form-data")

    return do


@pytest.fixture
def booked(db, book):
    """Book through the form; return (appointment, status token)."""

    def do(office, target_key: str, day: date, time: str = "09:00", **overrides):
        response = book(office, target_key, day, time, **overrides)
        assert response.status_code == 303, response.data.decode()[:3000]
        token = re.search(r"/janji/s/([A-Za-z0-9_-]+)", response.headers["Location"]).group(1)
        db.session.expire_all()
        return (
            db.session.scalars(
                db.select(Appointment).order_by(Appointment.created_at.desc())
            ).first(),
            token,
        )

    return do


from tests.pwa.conftest import desk_office, enrol_code  # noqa: E402,F401  (fixtures)
from tests.sync.conftest import enrolled, tablet_for  # noqa: E402,F401  (fixtures)
from tests.trust.conftest import limited_app, make_app  # noqa: E402,F401  (fixtures)
from tests.web.conftest import mail_config, smtp_server  # noqa: E402,F401  (fixtures)
