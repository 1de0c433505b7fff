"""Approval in the host inbox, the daily job (no-shows, reminders), the CLI, invitations by
CSV, the dashboard figures, retention and erasure."""

import io
from datetime import datetime, timedelta, timezone

import pytest

from server.appointments import operations as ops
from server.models import Appointment, Attachment, Notification
from tests.appointments.conftest import NIK, next_weekday


def _section(html: str, testid: str) -> str:
    """Return the part of the page inside the first element with data-testid=testid."""
    start = html.index(f'data-testid="{testid}"')
    return html[start:html.find("</section>", start)]


@pytest.fixture
def aide(db, make_user, booking_office):
    office, _, host = booking_office
    return make_user("host", office=office, host_id=host.id, username="agendaris.biro")


def test_the_aide_sees_a_pending_booking_in_the_host_inbox_and_approves_it(
    client, db, booking_office, booked, aide, login
):
    office, _, host = booking_office
    appointment, token = booked(office, f"h{host.id}", next_weekday(office))
    login(aide)
    inbox = client.get("/host/").data.decode()
    assert f'data-appointment="{appointment.id}"' in inbox and "Siti Aminah" in inbox
    assert client.post(f"/appointments/{appointment.id}/approve").status_code == 302
    db.session.refresh(appointment)
    assert appointment.status == "approved" and appointment.decided_by == aide.id
    assert 'data-status="approved"' in client.get(f"/janji/s/{token}").data.decode()


def test_the_host_proposes_another_time_or_declines_politely(
    client, db, booking_office, booked, aide, login
):
    office, _, host = booking_office
    first, token = booked(office, f"h{host.id}", next_weekday(office))
    second, token2 = booked(
        office, f"h{host.id}", next_weekday(office), "11:00", id_number="6171014506900002"
    )
    login(aide)
    later = next_weekday(office, weekday=3)
    moved = client.post(
        f"/appointments/{first.id}/reschedule",
        data={"date": later.isoformat(), "time": "13:30", "reason": "Pimpinan rapat pagi"},
    )
    assert moved.status_code == 302
    db.session.refresh(first)
    assert (first.status, first.date, first.time) == ("rescheduled", later, "13:30")
    no_reason = client.post(f"/appointments/{second.id}/decline", data={"reason": ""})
    assert no_reason.status_code == 400
    db.session.refresh(second)
    assert second.status == "pending"
    client.post(
        f"/appointments/{second.id}/decline", data={"reason": "Mohon maaf, pimpinan dinas luar."}
    )
    db.session.refresh(second)
    assert second.status == "declined"
    page = client.get(f"/janji/s/{token2}").data.decode()
    assert "Mohon maaf, pimpinan dinas luar." in page and 'data-status="declined"' in page


def test_a_host_cannot_decide_another_hosts_booking(
    client, db, booking_office, booked, make_host, make_user, login
):
    office, _, host = booking_office
    other = make_host(office=office, name="Kabag Lain")
    stranger = make_user("host", office=office, host_id=other.id)
    appointment, _ = booked(office, f"h{host.id}", next_weekday(office))
    login(stranger)
    assert client.post(f"/appointments/{appointment.id}/approve").status_code == 403
    assert client.get(f"/appointments/{appointment.id}/letter").status_code in (403, 404)
    db.session.refresh(appointment)
    assert appointment.status == "pending"


def test_the_daily_job_marks_no_shows_and_queues_tomorrows_reminders(
    app, db, booking_office, booked
):
    office, service, _ = booking_office
    day = next_weekday(office)
    came, _ = booked(office, f"s{service.id}", day, "09:00")
    missed, _ = booked(office, f"s{service.id}", day, "09:30", id_number="6171014506900002")
    came.status = "checked_in"
    db.session.commit()
    the_day_before = datetime.combine(
        day - timedelta(days=1), datetime.min.time(), tzinfo=office.tz
    ).replace(hour=7)
    assert ops.queue_reminders(the_day_before) == 1  # the checked-in one is not reminded
    assert ops.queue_reminders(the_day_before) == 0  # once
    reminder = db.session.scalar(
        db.select(Notification).where(Notification.subject.like("Pengingat%"))
    )
    assert reminder.appointment_id == missed.id
    after = datetime.combine(
        day + timedelta(days=1), datetime.min.time(), tzinfo=office.tz
    ).replace(hour=1)
    assert ops.mark_no_shows(after) == 1
    db.session.refresh(missed)
    db.session.refresh(came)
    assert (missed.status, came.status) == ("no_show", "checked_in")


def test_the_cli_lists_a_days_bookings_with_the_nik_masked(app, db, booking_office, booked):
    office, service, host = booking_office
    day = next_weekday(office)
    booked(office, f"s{service.id}", day, "09:00")
    booked(office, f"h{host.id}", day, "10:00", id_number="6171014506900002", name="Budi")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["appointments", "list", "--office", office.code, "--date", day.isoformat()]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{office.code} {day.isoformat()}: 2 janji temu"
    assert (
        "09:00" in lines[1]
        and "J-001" in lines[1]
        and "approved" in lines[1]
        and "Siti Aminah" in lines[1]
    )
    assert "10:00" in lines[2] and "pending" in lines[2]
    assert NIK not in result.output
    bad = runner.invoke(
        args=["appointments", "list", "--office", "NOPE", "--date", day.isoformat()]
    )
    assert bad.exit_code == 2 and "no office" in bad.output
    bad_date = runner.invoke(
        args=["appointments", "list", "--office", office.code, "--date", "4-12-2026"]
    )
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output


def test_invitations_from_a_csv_report_errors_by_line_and_import_nothing(
    client, db, booking_office, make_user, login
):
    office, _, host = booking_office
    admin = make_user("office_admin", office=office)
    login(admin)
    day = next_weekday(office)
    bad = (
        "nama,nik,hp,email,instansi\nAndi,6171014506900001,0811,andi@example.com,Dinas A\n,,,,\n"
        "Budi,123,0812,,Dinas B\nCitra,,0813,bukan-email,Dinas C\n,6171014506900002,,,\n"
    )
    response = client.post(
        "/appointments/invite",
        data={
            "office": office.id,
            "target": f"h{host.id}",
            "date": day.isoformat(),
            "time": "09:00",
            "group": "Rapat PBJ",
            "participants": (io.BytesIO(bad.encode()), "peserta.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.data.decode()
    assert "Baris 4: NIK terdiri dari 16 angka." in page
    assert "Baris 5: alamat e-mail tidak valid." in page
    assert "Baris 6: nama wajib diisi." in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Appointment)) == 0
    good = "nama,nik,hp,email,instansi\nAndi,6171014506900001,0811,andi@example.com,Dinas A\nBudi,,,,Dinas B\n"
    response = client.post(
        "/appointments/invite",
        data={
            "office": office.id,
            "target": f"h{host.id}",
            "date": day.isoformat(),
            "time": "09:00",
            "group": "Rapat PBJ",
            "participants": (io.BytesIO(good.encode()), "peserta.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    made = db.session.scalars(db.select(Appointment).order_by(Appointment.queue)).all()
    assert [(a.name, a.kind, a.status, a.group_label, a.queue) for a in made] == [
        ("Andi", "invitation", "approved", "Rapat PBJ", "J-001"),
        ("Budi", "invitation", "approved", "Rapat PBJ", "J-002"),
    ]


def test_the_dashboard_shows_bookings_approvals_and_no_shows_per_service(
    client, db, booking_office, booked, make_user, login
):
    office, service, _ = booking_office
    day = next_weekday(office)
    a, _ = booked(office, f"s{service.id}", day)
    a.status = "no_show"
    db.session.commit()
    login(make_user("central_admin"))
    page = client.get("/dashboard/", query_string={"period": day.strftime("%Y-%m")}).data.decode()
    assert 'data-testid="appointment-stats"' in page and "Konsultasi PBJ" in page
    assert 'data-testid="no-shows">1<' in page


def test_the_dashboard_says_a_period_without_appointments_has_none_in_that_period(
    client, db, booking_office, make_user, login
):
    login(make_user("central_admin"))
    for lang, words in (("id", "Tidak ada janji temu pada periode ini."), ("en", "No appointments in this period.")):
        page = client.get("/dashboard/", query_string={"period": "2026-Q3", "lang": lang}).data.decode()
        section = _section(page, "appointment-stats")
        assert words in section and "tanggal ini" not in section and "this date" not in section


def test_erasing_the_guest_removes_the_bookings_personal_data_and_letter(
    db, booking_office, booked, make_user
):
    from server.models import Visit
    from server.privacy.subject import erase_visits

    office, service, _ = booking_office
    appointment, token = booked(
        office,
        f"s{service.id}",
        next_weekday(office),
        letter=(io.BytesIO(b"%PDF-1.4 surat"), "surat.pdf"),
    )
    sha = appointment.letter_sha
    from server.crypto import nik_lookup_hash

    visit = Visit(
        id="11111111-1111-4111-8111-111111111111",
        office_id=office.id,
        name="Siti Aminah",
        id_number=NIK,
        nik_hash=nik_lookup_hash(NIK),
        state={},
        registered_at=datetime.now(timezone.utc),
    )
    db.session.add(visit)
    db.session.commit()
    erase_visits([visit], make_user("office_admin", office=office))
    db.session.expire_all()
    appointment = db.session.get(Appointment, appointment.id)
    assert appointment.purged_at is not None
    assert (
        appointment.name,
        appointment.id_number,
        appointment.phone,
        appointment.email,
        appointment.nik_hash,
    ) == ("", None, None, None, None)
    assert db.session.get(Attachment, sha) is None
    for note in db.session.scalars(
        db.select(Notification).where(Notification.appointment_id == appointment.id)
    ):
        assert "siti" not in (note.recipient + note.body).lower()
    assert ops.find_by_token(token) is None


@pytest.mark.parametrize("how", ["erasure", "retention"])
def test_a_purged_guests_unsent_messages_are_never_sent(
    app, db, booking_office, booked, make_user, smtp_server, mail_config, how
):
    from server.crypto import nik_lookup_hash
    from server.models import Visit
    from server.notify import queue_email, send_due
    from server.privacy.retention import run_retention
    from server.privacy.subject import erase_visits

    office, service, host = booking_office
    day = next_weekday(office)
    appointment, _ = booked(office, f"s{service.id}", day)  # approved at once: the ticket e-mail
    the_day_before = datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=office.tz)
    assert ops.queue_reminders(the_day_before.replace(hour=7)) == 1
    visit = Visit(id="22222222-2222-4222-8222-222222222222", office_id=office.id, name="Siti Aminah",
                  id_number=NIK, nik_hash=nik_lookup_hash(NIK), state={}, registered_at=datetime.now(timezone.utc))
    db.session.add(visit)
    queue_email(office_id=office.id, recipient=host.email, host_id=host.id, visit_id=visit.id,
                subject="Tamu menunggu: Siti Aminah", body="Tamu menunggu: Siti Aminah dari CV Maju.")
    db.session.commit()
    about_her = db.or_(Notification.appointment_id == appointment.id, Notification.visit_id == visit.id)
    assert len(db.session.scalars(db.select(Notification).where(about_her, Notification.status == "queued")).all()) == 3

    if how == "erasure":
        erase_visits([visit], make_user("office_admin", office=office))
    else:
        run_retention(the_day_before + timedelta(days=office.retention_days + 3))
    db.session.expire_all()
    notes = db.session.scalars(db.select(Notification).where(about_her)).all()
    assert notes and [n.status for n in notes] == ["failed"] * len(notes)
    assert not any("siti" in (n.recipient + n.subject + n.body).lower() for n in notes)
    mail_config(smtp_server.port)
    send_due()
    assert smtp_server.messages == []


def test_retention_purges_old_bookings_and_the_letters_of_declined_ones(
    db, booking_office, booked, make_user
):
    office, service, host = booking_office
    day = next_weekday(office)
    declined, _ = booked(office, f"h{host.id}", day, letter=(io.BytesIO(b"%PDF-1.4 a"), "a.pdf"))
    kept, _ = booked(
        office,
        f"s{service.id}",
        day,
        id_number="6171014506900002",
        letter=(io.BytesIO(b"%PDF-1.4 b"), "b.pdf"),
    )
    ops.decline(declined, "Mohon maaf, kuota penuh.", make_user("office_admin", office=office))
    db.session.commit()
    after_the_day = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=office.tz)
    assert ops.run_retention(after_the_day) == 0
    db.session.expire_all()
    assert db.session.get(Appointment, declined.id).letter_sha is None
    assert db.session.get(Appointment, kept.id).letter_sha is not None
    past_retention = after_the_day + timedelta(days=office.retention_days + 1)
    assert ops.run_retention(past_retention) == 2
    db.session.expire_all()
    assert db.session.get(Appointment, kept.id).purged_at is not None
    assert (
        db.session.scalar(
            db.select(db.func.count()).select_from(Attachment).where(Attachment.kind == "letter")
        )
        == 0
    )


def test_the_privacy_page_names_a_bookings_status_in_words_in_both_languages(
    client, db, booking_office, booked, make_user, login
):
    """The same words as the booking status page and the appointments list (STATUS_LABELS)."""
    office, service, _ = booking_office
    approved, _ = booked(office, f"s{service.id}", next_weekday(office))
    moved, _ = booked(office, f"s{service.id}", next_weekday(office, after_days=8))
    admin = make_user("office_admin", office=office)
    ops.reschedule(moved, moved.date, "10:00", "Ruang layanan dipakai rapat.", admin)
    db.session.commit()
    login(admin)

    def statuses():
        page = client.post("/admin/privacy/search", data={"nik": NIK}).data.decode()
        rows = _section(page, "privacy-appointments").split("<tr data-appointment=")[1:]
        return {row.split('"')[1]: row.split("</td>")[-2].rsplit(">", 1)[1] for row in rows}

    assert statuses() == {approved.id: "Disetujui", moved.id: "Dipindah waktunya"}
    client.get("/admin/privacy/?lang=en")
    assert statuses() == {approved.id: "Approved", moved.id: "Moved"}


def test_the_privacy_page_finds_a_guests_bookings_by_nik_and_erases_them(
    client, db, booking_office, booked, make_user, make_office, login
):
    office, service, _ = booking_office
    appointment, token = booked(office, f"s{service.id}", next_weekday(office))
    other_office = make_office()
    login(make_user("office_admin", office=office))
    page = client.post("/admin/privacy/search", data={"nik": NIK}).data.decode()
    assert f'data-appointment="{appointment.id}"' in page and NIK not in page
    outsider = make_user("office_admin", office=other_office)
    client.post("/logout")
    login(outsider)
    assert (
        f'data-appointment="{appointment.id}"'
        not in client.post("/admin/privacy/search", data={"nik": NIK}).data.decode()
    )
    assert (
        client.post(
            "/admin/privacy/appointments/erase",
            data={"appointment_ids-0": appointment.id, "confirm": "y"},
        ).status_code
        == 403
    )
    client.post("/logout")
    login(make_user("office_admin", office=office))
    assert (
        client.post(
            "/admin/privacy/appointments/erase",
            data={"appointment_ids-0": appointment.id, "confirm": "y", "reference": "REQ-1"},
        ).status_code
        == 302
    )
    db.session.expire_all()
    erased = db.session.get(Appointment, appointment.id)
    assert erased.purged_at is not None and erased.name == "" and erased.id_number is None
    assert client.get(f"/janji/s/{token}").status_code == 404


def test_office_admins_set_hours_closed_days_slots_and_modes_and_bad_input_saves_nothing(
    client, db, booking_office, make_user, login
):
    office, service, host = booking_office
    login(make_user("office_admin", office=office))
    assert client.get("/appointments/settings").status_code == 200
    form = {
        "office": office.id,
        "slot_minutes": "20",
        "closed": "2026-12-25\n2026-12-31",
        "open_0": "08:00",
        "close_0": "12:00",
        "open_2": "09:00",
        "close_2": "11:00",
        f"mode_s{service.id}": "approval",
        f"cap_s{service.id}": "3",
        f"mode_h{host.id}": "off",
        f"cap_h{host.id}": "1",
    }
    assert client.post("/appointments/settings", data=form).status_code == 302
    db.session.expire_all()
    assert office.booking == {
        "hours": {"0": ["08:00", "12:00"], "2": ["09:00", "11:00"]},
        "slot_minutes": 20,
        "closed": ["2026-12-25", "2026-12-31"],
    }
    assert (service.booking_mode, service.booking_capacity, host.booking_mode) == (
        "approval",
        3,
        "off",
    )
    from datetime import date

    from server.appointments.slots import day_slots

    assert day_slots(office, date(2026, 12, 7))[:3] == ["08:00", "08:20", "08:40"]  # a Monday
    assert day_slots(office, date(2026, 12, 8)) == []  # Tuesday: closed
    for bad in (
        {"closed": "25-12-2026"},
        {"open_1": "10:00", "close_1": "09:00"},
        {f"cap_s{service.id}": "0"},
        {f"mode_s{service.id}": "sometimes"},
        {"slot_minutes": "1"},
    ):
        response = client.post("/appointments/settings", data={**form, "slot_minutes": "45", **bad})
        assert response.status_code == 400, bad
        db.session.expire_all()
        assert office.booking["slot_minutes"] == 20 and service.booking_capacity == 3


def test_a_host_invites_one_guest_who_is_approved_with_a_ticket_at_once(
    client, db, booking_office, aide, login
):
    office, _, host = booking_office
    login(aide)
    day = next_weekday(office)
    response = client.post(
        "/appointments/invite",
        data={
            "target": f"h{host.id}",
            "date": day.isoformat(),
            "time": "14:00",
            "name": "Drs. Andi",
            "id_number": NIK,
            "email": "andi@example.com",
            "institution": "Dinas PU",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    invited = db.session.scalar(db.select(Appointment))
    assert (invited.kind, invited.status, invited.host_id, invited.created_by) == (
        "invitation",
        "approved",
        host.id,
        aide.id,
    )
    mail = db.session.scalar(
        db.select(Notification).where(Notification.appointment_id == invited.id)
    )
    assert mail.recipient == "andi@example.com" and mail.subject.startswith("Undangan")
    assert client.get(f"/appointments/{invited.id}/tiket.pdf").status_code == 200


def test_the_staff_list_shows_the_days_appointments_of_the_office(
    client, db, booking_office, booked, make_user, login
):
    office, service, host = booking_office
    day = next_weekday(office)
    appointment, _ = booked(office, f"s{service.id}", day)
    login(make_user("receptionist", office=office))
    page = client.get("/appointments/", query_string={"date": day.isoformat()}).data.decode()
    assert (
        f'data-appointment="{appointment.id}"' in page
        and appointment.code in page
        and NIK not in page
    )
    assert client.get("/appointments/", query_string={"date": "not-a-date"}).status_code == 400
