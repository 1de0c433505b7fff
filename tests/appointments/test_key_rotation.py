"""`sitamu rotate-key` moves a booking's NIK, phone, e-mail and the office's ticket key to the new
data key, rebuilds the booking's NIK lookup hash, and the tickets still verify."""

from server.appointments.tickets import public_jwk, ticket_text, verify_ticket
from server.crypto import DataKeys
from server.extensions import db as _db
from server.models import Appointment, Office
from server.privacy.keys import rotate_keys
from tests.appointments.conftest import NIK, next_weekday

NEW = "22" * 32


def test_rotation_moves_bookings_and_the_ticket_key_and_rebuilds_the_nik_hash(
    app, db, booking_office, booked, make_app
):
    office, service, _ = booking_office
    appointment, _ = booked(office, f"s{service.id}", next_weekday(office))
    jwk_before = public_jwk(office)
    db.session.commit()
    rotated = make_app(SITAMU_DATA_KEY=NEW, SITAMU_DATA_KEYS_OLD=[app.config["SITAMU_DATA_KEY"]])
    with rotated.app_context():
        report = rotate_keys()
        assert report.complete
        assert {
            "appointment.id_number",
            "appointment.phone",
            "appointment.email",
            "office.ticket_key",
        } <= set(report.rewritten)
    only_new = make_app(SITAMU_DATA_KEY=NEW, SITAMU_DATA_KEYS_OLD=[])
    with only_new.app_context():
        booking = _db.session.get(Appointment, appointment.id)
        assert booking.id_number == NIK and booking.nik_hash == DataKeys(NEW).lookup_hash(NIK)
        office_now = _db.session.get(Office, office.id)
        assert public_jwk(office_now) == jwk_before  # the same key pair, sealed anew
        assert verify_ticket(ticket_text(booking), jwk_before) is not None
