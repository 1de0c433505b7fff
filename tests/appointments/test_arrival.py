"""Where staff see that an appointment guest arrived: the host inbox's list of today's
appointments and the admin's visit list (the check-in arrives in a tablet's push)."""

from datetime import datetime

from server.appointments import operations as ops
from server.appointments import slots
from tests.appointments.conftest import next_weekday


def test_the_host_inbox_lists_todays_appointments_and_says_who_arrived(
    client, db, booking_office, booked, tablet_for, make_user, login
):
    office, _, host = booking_office
    office.booking = {"hours": {str(d): ["00:00", "24:00"] for d in range(7)}, "slot_minutes": 10}
    db.session.commit()
    today = datetime.now(office.tz).date()
    (first, *_), _ = slots.free_slots(office, host, today)
    appointment, _ = booked(office, f"h{host.id}", today, first["time"])
    later, _ = booked(office, f"h{host.id}", next_weekday(office), id_number="6171014506900002")
    admin = make_user("office_admin", office=office)
    for a in (appointment, later):
        ops.approve(a, admin)
    db.session.commit()
    login(make_user("host", office=office, host_id=host.id, username="agendaris.tiba"))
    inbox = client.get("/host/").data.decode()
    assert f'data-appointment="{appointment.id}" data-status="approved"' in inbox
    assert f'data-appointment="{later.id}"' not in inbox  # another day
    assert "belum tiba" in inbox and "sudah tiba" not in inbox

    tablet = tablet_for(office)
    reg = tablet.registration(host_id=host.id, appointment_id=appointment.id)
    assert (
        client.post(
            "/api/v1/push", json={"protocol": 1, "events": [reg]}, headers=tablet.headers
        ).status_code
        == 200
    )
    inbox = client.get("/host/").data.decode()
    assert f'data-appointment="{appointment.id}" data-status="checked_in"' in inbox
    assert "Tamu janji temu sudah tiba pukul" in inbox

    client.post("/logout")
    login(admin)
    visits = client.get("/admin/visits").data.decode()
    row = next(r for r in visits.split("<tr>") if reg["visit_id"] in r)
    assert 'data-testid="by-appointment">janji temu<' in row


def test_a_walk_in_is_not_marked_as_an_appointment_in_the_visit_list(
    client, db, booking_office, tablet_for, make_user, login
):
    office, _, host = booking_office
    tablet = tablet_for(office)
    reg = tablet.registration(host_id=host.id)
    client.post("/api/v1/push", json={"protocol": 1, "events": [reg]}, headers=tablet.headers)
    login(make_user("office_admin", office=office))
    visits = client.get("/admin/visits").data.decode()
    assert reg["visit_id"] in visits and 'data-testid="by-appointment"' not in visits
