"""Tickets (signature, PDF, QR), the pull entity `appointment` with tombstones, and the check-in
that arrives in a push."""

import json
import subprocess
from datetime import timedelta

import pytest

from server.appointments import operations as ops
from server.appointments.tickets import b64url, b64url_decode, public_jwk, ticket_text, verify_ticket
from server.models import Appointment, Notification, Visit
from tests.appointments.conftest import NIK, next_weekday


def _pull_all(client, tablet, cursor=""):
    changes = []
    while True:
        page = client.get(
            "/api/v1/pull", query_string={"cursor": cursor, "limit": 500}, headers=tablet.headers
        ).get_json()
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["more"] or (not page["changes"] and cursor.startswith("c.")):
            return changes, cursor


def test_the_ticket_signature_verifies_with_the_public_key_and_a_forged_one_does_not(
    db, booking_office, booked
):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    office, service, _ = booking_office
    appointment, _ = booked(office, f"s{service.id}", next_weekday(office))
    text = ticket_text(appointment)
    prefix, payload, signature = text.split(".")
    assert prefix == "SITAMU1" and len(b64url_decode(signature)) == 64
    body = json.loads(b64url_decode(payload))
    assert list(body) == ["a", "o", "d", "t", "q"]
    assert body == {
        "a": appointment.id,
        "o": office.code,
        "d": appointment.date.isoformat(),
        "t": "09:00",
        "q": "J-001",
    }
    assert b64url_decode(payload).decode() == json.dumps(
        body, separators=(",", ":")
    )  # compact, no spaces
    assert NIK not in text and "Siti" not in text and "0812" not in text
    jwk = public_jwk(office)
    assert verify_ticket(text, jwk) == body
    # Another date with the same signature, or a signature by another key, fails.
    forged_payload = b64url(json.dumps(dict(body, d="2030-01-01"), separators=(",", ":")).encode())
    assert verify_ticket(f"SITAMU1.{forged_payload}.{signature}", jwk) is None
    other = ec.generate_private_key(ec.SECP256R1())
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(other.sign(payload.encode(), ec.ECDSA(hashes.SHA256())))
    assert (
        verify_ticket(
            f"SITAMU1.{payload}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}", jwk
        )
        is None
    )


def test_the_ticket_pdf_shows_office_date_time_and_code_and_its_qr_holds_the_signed_text(
    tmp_path, client, db, booking_office, booked, artifacts
):
    office, service, _ = booking_office
    day = next_weekday(office)
    appointment, token = booked(office, f"s{service.id}", day, "10:30")
    response = client.get(f"/janji/s/{token}/tiket.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "tiket.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert office.name in text and ops.date_text(day) in text and "10:30" in text
    assert appointment.code in text and "J-001" in text and "Konsultasi PBJ" in text
    assert NIK not in text
    # The QR segno draws is the signed ticket text: decode it with the vendored jsQR under node.
    png = tmp_path / "page.png"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-singlefile", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    (artifacts / "appointments-ticket.png").write_bytes(png.read_bytes())
    decoded = _decode_qr(png)
    db.session.refresh(appointment)
    assert verify_ticket(decoded, public_jwk(office))["a"] == appointment.id


def _decode_qr(png) -> str:
    from pathlib import Path

    from PIL import Image

    image = Image.open(png).convert("RGBA")
    raw = png.with_suffix(".rgba")
    raw.write_bytes(image.tobytes())
    jsqr = Path(__file__).resolve().parents[2] / "pwa" / "vendor" / "jsqr.js"
    script = (
        f"import jsQR from {json.dumps(str(jsqr))}; import fs from 'fs';"
        f"const d = new Uint8ClampedArray(fs.readFileSync({json.dumps(str(raw))}));"
        f"const r = jsQR(d, {image.width}, {image.height}); process.stdout.write(r ? r.data : '');"
    )
    out = subprocess.run(
        ["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True
    )
    assert out.stdout, out.stderr
    return out.stdout


def test_pull_sends_the_ticket_key_and_approved_appointments_but_no_nik_or_phone(
    client, db, booking_office, booked, tablet_for
):
    office, service, host = booking_office
    tablet = tablet_for(office)
    approved, _ = booked(office, f"s{service.id}", next_weekday(office))
    pending, _ = booked(office, f"h{host.id}", next_weekday(office), id_number="6171014506900002")
    far, _ = booked(
        office, f"s{service.id}", next_weekday(office, after_days=15), id_number="6171014506900003"
    )
    changes, _ = _pull_all(client, tablet)
    office_record = next(c for c in changes if c["entity"] == "office")["data"]
    jwk = office_record["ticket_public_key"]
    assert set(jwk) == {"kty", "crv", "x", "y"} and jwk["crv"] == "P-256"
    puts = {c["id"]: c["data"] for c in changes if c["entity"] == "appointment"}
    assert set(puts) == {approved.id}  # not the pending one, not one 15 days ahead
    data = puts[approved.id]
    assert (
        data["code"] == approved.code and data["queue"] == "J-001" and data["status"] == "approved"
    )
    assert (
        data["id_number_masked"].endswith("0001")
        and data["kind"] == "booking"
        and data["group"] is None
    )
    raw = json.dumps(changes)
    assert NIK not in raw and "081255550101" not in raw and "0812-5555-0101" not in raw
    db.session.refresh(approved)
    assert verify_ticket(ticket_text(approved), jwk) is not None


@pytest.mark.parametrize("how", ["cancel", "decline", "move_out"])
def test_a_cancelled_declined_or_moved_appointment_becomes_a_tombstone(
    how, client, db, booking_office, booked, tablet_for, make_user
):
    office, service, host = booking_office
    tablet = tablet_for(office)
    appointment, token = booked(office, f"h{host.id}", next_weekday(office))
    admin = make_user("office_admin", office=office)
    ops.approve(appointment, admin)
    db.session.commit()
    changes, cursor = _pull_all(client, tablet)
    assert any(c["entity"] == "appointment" and c["op"] == "put" for c in changes)
    if how == "cancel":
        assert client.post(f"/janji/s/{token}/cancel", data={}).status_code == 303
    elif how == "decline":
        ops.decline(appointment, "Mohon maaf, pimpinan ada agenda lain.", admin)
        db.session.commit()
    else:
        ops.reschedule(
            appointment, next_weekday(office, after_days=20), "09:00", "Agenda pimpinan", admin
        )
        db.session.commit()
    changes, _ = _pull_all(client, tablet, cursor)
    mine = [c for c in changes if c["entity"] == "appointment" and c["id"] == appointment.id]
    assert mine == [{"entity": "appointment", "id": appointment.id, "op": "delete"}]


def test_a_push_with_appointment_id_checks_it_in_and_tells_the_host(
    client, db, booking_office, booked, tablet_for, make_user
):
    office, service, host = booking_office
    appointment, _ = booked(
        office, f"h{host.id}", next_weekday(office, after_days=0) if False else next_weekday(office)
    )
    ops.approve(appointment, make_user("office_admin", office=office))
    db.session.commit()
    tablet = tablet_for(office)
    reg = tablet.registration(host_id=host.id, appointment_id=appointment.id)
    response = client.post(
        "/api/v1/push", json={"protocol": 1, "events": [reg]}, headers=tablet.headers
    )
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    appointment = db.session.get(Appointment, appointment.id)
    visit = db.session.get(Visit, reg["visit_id"])
    assert visit.state["by_appointment"] is True and visit.state["appointment_id"] == appointment.id
    assert appointment.status == "checked_in" and appointment.checked_in_visit_id == visit.id
    assert appointment.checked_in_at is not None
    note = db.session.scalar(db.select(Notification).where(Notification.visit_id == visit.id))
    assert note.recipient == "biro@example.go.id" and "Tamu janji temu tiba" in note.subject
    assert "Siti" not in note.body


def test_two_offline_tablets_checking_in_one_appointment_keep_the_earliest_and_flag_the_other(
    client, db, booking_office, booked, tablet_for
):
    office, service, _ = booking_office
    appointment, _ = booked(office, f"s{service.id}", next_weekday(office))
    first, second = tablet_for(office), tablet_for(office)
    second.clock = first.clock + timedelta(minutes=3)
    early = first.registration(appointment_id=appointment.id)
    late = second.registration(appointment_id=appointment.id)
    # The later check-in reaches the server first.
    for tablet, event in ((second, late), (first, early)):
        assert (
            client.post(
                "/api/v1/push", json={"protocol": 1, "events": [event]}, headers=tablet.headers
            ).status_code
            == 200
        )
    db.session.expire_all()
    appointment = db.session.get(Appointment, appointment.id)
    assert appointment.checked_in_visit_id == early["visit_id"]
    assert db.session.get(Visit, late["visit_id"]).state.get("appointment_duplicate") is True
    assert not db.session.get(Visit, early["visit_id"]).state.get("appointment_duplicate")
    arrivals = db.session.scalars(
        db.select(Notification).where(Notification.subject.like("Tamu janji temu tiba%"))
    ).all()
    assert len(arrivals) <= 1


def test_the_ticket_e_mail_carries_the_pdf(
    app, db, booking_office, booked, smtp_server, mail_config
):
    from server.notify import send_due

    office, service, _ = booking_office
    mail_config(smtp_server.port)
    appointment, _ = booked(office, f"s{service.id}", next_weekday(office))
    counts = send_due()
    assert counts["sent"] >= 1
    message = next(m for m in smtp_server.messages if m["To"] == "siti@example.com")
    parts = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    assert len(parts) == 1 and parts[0].get_filename() == f"tiket-{appointment.code}.pdf"
    assert parts[0].get_payload(decode=True).startswith(b"%PDF")


def test_the_status_link_is_never_stored_only_put_into_the_e_mail_when_sent(
    app, db, booking_office, booked, smtp_server, mail_config
):
    from server.models import Notification
    from server.notify import send_due

    office, service, _ = booking_office
    mail_config(smtp_server.port)
    _, token = booked(office, f"s{service.id}", next_weekday(office))
    stored = db.session.scalars(db.select(Notification)).all()
    assert stored and all(token not in note.body + note.subject for note in stored)
    assert send_due()["sent"] >= 1
    message = next(m for m in smtp_server.messages if m["To"] == "siti@example.com")
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert f"/janji/s/{token}" in text


def test_the_admin_visit_page_flags_the_second_check_in_and_the_register_marks_appointment_visits(
    client, db, booking_office, booked, tablet_for, make_user, login
):
    from reports.periods import period_containing
    from reports.register import gather_register

    office, service, _ = booking_office
    appointment, _ = booked(office, f"s{service.id}", next_weekday(office))
    first, second = tablet_for(office), tablet_for(office)
    second.clock = first.clock + timedelta(minutes=3)
    early, late = first.registration(appointment_id=appointment.id), second.registration(
        appointment_id=appointment.id
    )
    for tablet, event in ((first, early), (second, late)):
        assert (
            client.post(
                "/api/v1/push", json={"protocol": 1, "events": [event]}, headers=tablet.headers
            ).status_code
            == 200
        )
    login(make_user("office_admin", office=office))
    kept = client.get(f"/admin/visits/{early['visit_id']}").data.decode()
    flagged = client.get(f"/admin/visits/{late['visit_id']}").data.decode()
    assert (
        'data-testid="by-appointment"' in kept and 'data-testid="appointment-duplicate"' not in kept
    )
    assert appointment.code in kept
    assert 'data-testid="appointment-duplicate"' in flagged
    db.session.expire_all()
    visit = db.session.get(Visit, early["visit_id"])
    register = gather_register(
        office, period_containing(visit.registered_at, "month", office.timezone)
    )
    notes = {row["queue_number"]: row["note"] for row in register.rows}
    assert all("datang dengan janji temu" in note for note in notes.values()) and len(notes) >= 1


def test_the_ticket_code_reads_back_as_one_word_whatever_its_letters(tmp_path):
    """A guest copies the code from the PDF (or a reader speaks it): spaced-out letters made
    pdftotext read "D 4 F D F 6 FA" for some codes, so the code must not be letter-spaced."""
    from reports.ticket import render_ticket

    data = {"office_name": "Kantor Uji", "letterhead": ["KANTOR UJI"], "logo": None, "address": "Jl. Uji",
            "tz_label": "WIB", "date": "2026-12-09", "date_text": "Rabu, 9 Desember 2026", "time": "10:30",
            "queue": "J-001", "host": "Dra. Rina Wati", "service": None, "name": "Siti Aminah", "group": None,
            "qr_text": "x" * 150}
    for code in ("D4FDF6FA", "1111AAAA", "A1B2C3D4", "0F7E11C9"):
        pdf = tmp_path / f"{code}.pdf"
        pdf.write_bytes(render_ticket(dict(data, code=code)))
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                check=True).stdout
        assert f"Kode: {code}" in text and f"Kode: {code}" in layout, code
