"""The public booking page and the guest's status page, through the real forms."""

import re

import pytest

from server.models import Appointment, Attachment, Notification
from tests.appointments.conftest import NIK, next_weekday


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_booking_end_to_end_with_csrf_is_approved_at_once_for_an_auto_service(
    app, client, db, booking_office
):
    office, service, host = booking_office
    day = next_weekday(office)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get(f"/janji/{office.code}")
        assert page.status_code == 200
        data = {
            "target": f"s{service.id}",
            "date": day.isoformat(),
            "time": "09:30",
            "id_type": "ktp",
            "id_number": NIK,
            "name": "Siti Aminah",
            "phone": "081255550101",
            "email": "siti@example.com",
            "institution": "CV Maju",
            "purpose": "Konsultasi",
            "consent": "y",
        }
        refused = client.post(f"/janji/{office.code}", data=data)
        assert refused.status_code == 400  # no CSRF token
        assert db.session.scalar(db.select(db.func.count()).select_from(Appointment)) == 0
        data["csrf_token"] = _csrf(page.data.decode())
        response = client.post(f"/janji/{office.code}", data=data)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 303
    appointment = db.session.scalar(db.select(Appointment))
    assert appointment.status == "approved" and appointment.queue == "J-001"
    assert appointment.consent_version and appointment.consent_at is not None
    assert appointment.id_number == NIK  # readable through the model ...
    raw = db.session.execute(db.text("select id_number, phone, email from appointment")).one()
    assert (
        NIK not in raw[0] and "0812" not in raw[1] and "siti@" not in raw[2]
    )  # ... sealed at rest
    status = client.get(response.headers["Location"])
    assert status.status_code == 200
    text = status.data.decode()
    assert appointment.code in text and 'data-status="approved"' in text and "tiket.pdf" in text
    assert NIK not in text
    mail = db.session.scalar(
        db.select(Notification).where(Notification.appointment_id == appointment.id)
    )
    assert mail.recipient == "siti@example.com" and "disetujui" in mail.subject.lower()


def test_booking_a_host_waits_for_approval_and_tells_the_host(client, db, booking_office, booked):
    office, service, host = booking_office
    appointment, token = booked(office, f"h{host.id}", next_weekday(office))
    assert appointment.status == "pending"
    notes = db.session.scalars(
        db.select(Notification).where(Notification.appointment_id == appointment.id)
    ).all()
    assert {n.recipient for n in notes} == {"siti@example.com", "biro@example.go.id"}
    host_note = next(n for n in notes if n.recipient == "biro@example.go.id")
    assert "Siti" not in host_note.body and NIK not in host_note.body
    assert client.get(f"/janji/s/{token}/tiket.pdf").status_code == 404  # no ticket before approval


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("id_number", "6171014506900000", "Nomor urut NIK"),
        ("id_number", "12345", "16 angka"),
        ("phone", "12", "Nomor HP tidak valid"),
        ("consent", "", "Persetujuan diperlukan"),
        ("time", "07:00", "Not a valid choice"),
    ],
)
def test_bad_booking_input_names_the_field_and_stores_nothing(
    db, booking_office, book, field, value, message
):
    office, service, _ = booking_office
    response = book(office, f"s{service.id}", next_weekday(office), **{field: value})
    assert response.status_code == 400
    assert message in response.data.decode() or "Pilihan tidak valid" in response.data.decode()
    assert db.session.scalar(db.select(db.func.count()).select_from(Appointment)) == 0


def test_a_full_slot_and_a_closed_day_are_refused(db, booking_office, book, booked):
    office, service, host = booking_office
    day = next_weekday(office)
    booked(office, f"h{host.id}", day, "10:00")
    full = book(office, f"h{host.id}", day, "10:00", id_number="6171014506900002")
    assert full.status_code == 400 and "sudah penuh" in full.data.decode()
    sunday = next_weekday(office, weekday=6)
    closed = book(office, f"s{service.id}", sunday, "09:00")
    assert closed.status_code == 400 and "tidak melayani" in closed.data.decode()
    office.booking = {"closed": [day.isoformat()]}
    db.session.commit()
    holiday = book(office, f"s{service.id}", day, "09:00")
    assert holiday.status_code == 400 and "tidak melayani" in holiday.data.decode()


def test_the_letter_is_checked_by_content_and_size(db, booking_office, book, booked):
    import io

    office, service, _ = booking_office
    day = next_weekday(office)
    fake = book(
        office, f"s{service.id}", day, letter=(io.BytesIO(b"MZ\x90\x00 not a pdf"), "surat.pdf")
    )
    assert fake.status_code == 400 and "PDF, JPEG atau PNG" in fake.data.decode()
    big = book(
        office,
        f"s{service.id}",
        day,
        letter=(io.BytesIO(b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)), "surat.pdf"),
    )
    assert big.status_code == 400 and "2 MB" in big.data.decode()
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0
    appointment, _ = booked(
        office,
        f"s{service.id}",
        day,
        letter=(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"x" * 100), "surat.png"),
    )
    blob = db.session.get(Attachment, appointment.letter_sha)
    assert blob.kind == "letter" and blob.content_type == "image/png"


def test_the_guest_cancels_or_asks_for_another_time_on_the_status_page(
    client, db, booking_office, booked
):
    office, service, host = booking_office
    day = next_weekday(office)
    appointment, token = booked(office, f"h{host.id}", day)
    later = next_weekday(office, weekday=2)
    asked = client.post(
        f"/janji/s/{token}/change", data={"c-date": later.isoformat(), "c-time": "13:00"}
    )
    assert asked.status_code == 303
    db.session.refresh(appointment)
    assert (
        appointment.status == "pending"
        and appointment.requested_change == f"{later.isoformat()} 13:00"
    )
    cancelled = client.post(f"/janji/s/{token}/cancel", data={"x-reason": "Berhalangan"})
    assert cancelled.status_code == 303
    db.session.refresh(appointment)
    assert appointment.status == "cancelled"
    page = client.get(f"/janji/s/{token}").data.decode()
    assert 'data-status="cancelled"' in page and "Batalkan janji temu" not in page


def test_the_status_page_has_english_with_the_date_in_english(client, db, booking_office, booked):
    office, service, _ = booking_office
    day = next_weekday(office)
    _, token = booked(office, f"s{service.id}", day)
    page = client.get(f"/janji/s/{token}?lang=en").data.decode()
    assert "Appointment status" in page and "Approved" in page
    assert f"<dd>Tuesday, {day:%B} {day.day}, {day.year}</dd>" in page


def test_an_unknown_status_link_is_not_found(client, db, booking_office):
    assert client.get("/janji/s/not-a-real-token").status_code == 404


def test_an_office_without_bookable_targets_says_so(client, db, make_office):
    office = make_office()
    response = client.get(f"/janji/{office.code}")
    assert response.status_code == 404 and "belum menerima janji temu" in response.data.decode()


def test_the_booking_page_has_english(client, db, booking_office):
    office, _, _ = booking_office
    page = client.get(f"/janji/{office.code}?lang=en").data.decode()
    assert "Book an appointment" in page and "Buat janji temu" not in page


def test_the_whatsapp_text_names_office_time_and_code_but_no_personal_data(
    db, booking_office, booked
):
    from urllib.parse import unquote

    from server.appointments import operations as ops

    office, service, _ = booking_office
    appointment, token = booked(office, f"s{service.id}", next_weekday(office))
    text = ops.whatsapp_text(appointment)
    assert (
        office.name in text
        and appointment.code in text
        and appointment.time in text
        and token in text
    )
    link = ops.whatsapp_link(appointment)
    assert link.startswith("https://wa.me/?text=")
    for secret in (NIK, "Siti", "0812", "siti@"):
        assert secret not in unquote(link)


@pytest.mark.parametrize(
    "hours,lang,text",
    [
        (None, "id", "Jam layanan: Senin–Kamis 08:00–15:00; Jumat 08:00–11:00 WIB"),
        (None, "en", "Service hours: Monday–Thursday 08:00–15:00; Friday 08:00–11:00 WIB"),
        (
            {"0": ["08:00", "12:00"], "2": ["08:00", "12:00"], "5": ["09:00", "11:00"]},
            "id",
            "Jam layanan: Senin 08:00–12:00; Rabu 08:00–12:00; Sabtu 09:00–11:00 WIB",
        ),
    ],
)
def test_the_opening_hours_name_each_run_of_days_once(
    client, db, booking_office, hours, lang, text
):
    office, _, _ = booking_office
    if hours:
        office.booking = {"hours": hours}
        db.session.commit()
    page = client.get(f"/janji/{office.code}?lang={lang}").data.decode()
    line = re.search(r'data-testid="hours">(.*?)</p>', page, re.DOTALL).group(1)
    assert " ".join(re.sub(r"<[^>]+>", "", line).split()) == text
