"""The demo offices take bookings: a service approved at once and a host through the aide, with
guests booked for today (shown to the desk) and the next working day (one waiting for the aide)."""
from datetime import date

from sqlalchemy import select

from server.demo import load_demo
from server.models import Appointment, Host, Office, Service

WEDNESDAY = date(2026, 11, 18)


def test_each_demo_office_has_bookings_for_today_and_one_for_the_aide(app, db):
    load_demo(seed=7, today=WEDNESDAY)
    for office in db.session.scalars(select(Office)):
        services = db.session.scalars(select(Service).where(Service.office_id == office.id,
                                                            Service.booking_mode == "auto")).all()
        hosts = db.session.scalars(select(Host).where(Host.office_id == office.id,
                                                      Host.booking_mode == "approval")).all()
        assert len(services) == 1 and len(hosts) == 1 and hosts[0].aide_name, office.code
        booked = db.session.scalars(select(Appointment).where(Appointment.office_id == office.id)).all()
        today = [a for a in booked if a.date == WEDNESDAY]
        assert len(today) == 3 and {a.status for a in today} == {"approved"}, office.code
        assert [a.status for a in booked if a.date == date(2026, 11, 19)] .count("pending") == 1
        assert len({a.queue for a in booked if a.date == WEDNESDAY}) == 3
        assert all(a.id_number and a.name for a in booked)


def test_the_booking_page_of_a_demo_office_offers_its_service_and_host(app, db):
    load_demo(seed=7, today=WEDNESDAY)
    office = db.session.scalar(select(Office).where(Office.code == "KALBAR-BPBJ"))
    page = app.test_client().get(f"/janji/{office.code}").get_data(as_text=True)
    assert "belum menerima janji temu" not in page
    service = db.session.scalar(select(Service).where(Service.office_id == office.id, Service.booking_mode == "auto"))
    host = db.session.scalar(select(Host).where(Host.office_id == office.id, Host.booking_mode == "approval"))
    assert service.name.replace("/", "&#x2F;") in page or service.name in page
    assert host.name in page
