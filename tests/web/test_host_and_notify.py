"""Host inbox answers reach the desk tablets; host e-mails go through a real SMTP server,
wait in the queue while it is down, and WhatsApp links carry no identity number."""
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

from server.models import AuditLog, Host, Notification, Visit, VisitEvent
from server.notify import backoff, send_due, wa_number, whatsapp_link
from tests.conftest import free_port
from tests.web.conftest import NIK


def test_host_sees_only_own_waiting_guests(db, staffed, as_user, tablet, make_visit):
    make_visit(tablet(staffed.office), host=staffed.host, name="Tamu Untuk Rina")
    make_visit(tablet(staffed.office), service=staffed.service, name="Tamu Layanan")
    make_visit(tablet(staffed.other), host=staffed.other_host, name="Tamu Kantor B")
    html = as_user(staffed.users["host"]).get("/host/").get_data(as_text=True)
    assert "Tamu Untuk Rina" in html
    assert "Tamu Layanan" not in html and "Tamu Kantor B" not in html
    assert NIK not in html
    import re

    assert re.search(r"menunggu 1[01] menit", html)  # registered ten minutes ago


def test_receive_is_a_server_event_the_desk_pulls(db, app, staffed, as_user, tablet, make_visit):
    desk = tablet(staffed.office)
    visit = make_visit(desk, host=staffed.host)
    client = as_user(staffed.users["host"])
    assert client.post(f"/host/visits/{visit.id}/receive").status_code == 302
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).stage == "host_received"
    event = db.session.scalar(db.select(VisitEvent).where(VisitEvent.visit_id == visit.id,
                                                          VisitEvent.kind == "host_received"))
    assert event.device_id is None and event.actor == f"host:{staffed.host.id}"
    pulled = app.test_client().get("/api/v1/pull", headers=desk.headers).json
    changes = [c for c in pulled["changes"] if c["entity"] == "visit" and c["id"] == visit.id]
    assert changes and changes[-1]["data"]["stage"] == "host_received"
    # Answered guests leave the waiting list.
    html = client.get("/host/").get_data(as_text=True)
    assert "Tidak ada tamu yang menunggu" in html


def test_not_available_needs_a_reason_and_stores_nothing_without_one(db, staffed, as_user, tablet,
                                                                     make_visit):
    visit = make_visit(tablet(staffed.office), host=staffed.host)
    client = as_user(staffed.users["host"])
    prefix = f"v{visit.id[:8]}-reason"
    response = client.post(f"/host/visits/{visit.id}/unavailable", data={prefix: "  "})
    assert response.status_code == 400 and "Wajib diisi" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(VisitEvent).where(
        VisitEvent.kind == "host_unavailable")) == 0
    response = client.post(f"/host/visits/{visit.id}/unavailable",
                           data={prefix: "Sedang rapat, mohon kembali besok."})
    assert response.status_code == 302
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.stage == "host_unavailable"
    assert visit.unavailable_reason == "Sedang rapat, mohon kembali besok."


def test_answering_twice_does_not_add_a_second_event(db, staffed, as_user, tablet, make_visit):
    visit = make_visit(tablet(staffed.office), host=staffed.host)
    client = as_user(staffed.users["host"])
    client.post(f"/host/visits/{visit.id}/receive")
    client.post(f"/host/visits/{visit.id}/receive")
    assert db.session.scalar(db.select(db.func.count()).select_from(VisitEvent).where(
        VisitEvent.kind == "host_received")) == 1


def test_host_sets_own_availability_with_a_reason(db, staffed, as_user):
    client = as_user(staffed.users["host"])
    assert client.post("/host/availability", data={"reason": ""}).status_code == 400
    assert client.post("/host/availability", data={"reason": "Dinas luar"}).status_code == 302
    db.session.expire_all()
    host = db.session.get(Host, staffed.host.id)
    assert host.available is False and host.unavailable_reason == "Dinas luar"
    assert db.session.scalar(db.select(AuditLog).where(AuditLog.action == "host.availability"))


# -- E-mail ----------------------------------------------------------------------------------

def test_waiting_guest_is_mailed_to_the_host_through_smtp(db, staffed, tablet, make_visit,
                                                          smtp_server, mail_config):
    mail_config(smtp_server.port)
    make_visit(tablet(staffed.office), host=staffed.host, name="Siti Aminah",
               institution="CV Maju Jaya", queue="A007")
    counts = send_due()
    assert counts["sent"] == 1
    message = smtp_server.messages[0]
    assert message["To"] == "rina@uji.go.id" and message["From"] == "sitamu@uji.go.id"
    body = message.get_payload(decode=True).decode()
    assert "Siti Aminah" in body and "CV Maju Jaya" in body and "A007" in body
    assert NIK not in body and "081234567890" not in body
    # One message per visit, however often the queue is scanned.
    assert send_due()["sent"] == 0 and len(smtp_server.messages) == 1


def test_host_without_address_gets_no_mail(db, staffed, tablet, make_visit, smtp_server, mail_config):
    mail_config(smtp_server.port)
    make_visit(tablet(staffed.other), host=staffed.other_host)  # has an address
    staffed.other_host.email = ""
    db.session.commit()
    make_visit(tablet(staffed.other), host=staffed.other_host)
    assert send_due()["sent"] == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 0


def test_mail_waits_in_the_queue_while_the_server_is_down_then_goes(db, staffed, tablet, make_visit,
                                                                    smtp_server, mail_config):
    dead_port = free_port()
    mail_config(dead_port)
    make_visit(tablet(staffed.office), host=staffed.host)
    first = send_due()
    assert first == {"sent": 0, "retry": 1, "failed": 0, "skipped": 0}
    note = db.session.scalar(db.select(Notification))
    assert note.status == "queued" and note.attempts == 1
    assert note.last_error.startswith("ConnectionRefusedError")
    now = datetime.now(timezone.utc)
    assert note.next_attempt_at > now + timedelta(seconds=20)
    # Not due yet: nothing is tried.
    assert send_due()["retry"] == 0
    # The mail server is back and the retry falls due.
    mail_config(smtp_server.port)
    assert send_due(now=now + timedelta(minutes=2))["sent"] == 1
    db.session.expire_all()
    note = db.session.scalar(db.select(Notification))
    assert note.status == "sent" and note.attempts == 2 and len(smtp_server.messages) == 1


def test_backoff_doubles_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(20) == timedelta(hours=1)


def test_notify_send_command_sends_and_reports(db, app, staffed, tablet, make_visit, smtp_server,
                                               mail_config):
    make_visit(tablet(staffed.office), host=staffed.host)
    cli = app.test_cli_runner()
    mail_config(smtp_server.port)
    app.config["SITAMU_SMTP_HOST"] = None
    result = cli.invoke(args=["notify", "send"])
    assert result.exit_code == 2 and "SITAMU_SMTP_HOST" in result.output
    mail_config(smtp_server.port)
    result = cli.invoke(args=["notify", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output and len(smtp_server.messages) == 1


# -- WhatsApp --------------------------------------------------------------------------------

def test_whatsapp_numbers_are_normalised_to_62():
    assert wa_number("0812-3456-7890") == "6281234567890"
    assert wa_number("+62 812 3456 7890") == "6281234567890"
    assert wa_number("812345678") == "62812345678"
    assert wa_number("12") is None and wa_number("") is None


def test_visit_page_offers_a_whatsapp_link_without_personal_data(db, staffed, as_user, tablet, make_visit):
    visit = make_visit(tablet(staffed.office), host=staffed.host, name="Siti Aminah", queue="A005")
    html = as_user(staffed.users["receptionist"]).get(f"/admin/visits/{visit.id}").get_data(as_text=True)
    link = html.split('href="https://wa.me/')[1].split('"')[0].replace("&amp;", "&")
    number, text = link.split("?text=")
    assert number == "6281234567890"
    text = unquote(text)
    # The text rides in a URL: the queue number and the inbox link, never the guest's data.
    assert "A005" in text and "/host/" in text
    assert "Siti Aminah" not in text and NIK not in text and "081234567890" not in text
    assert whatsapp_link(None, "x") is None


def test_a_guest_waiting_mail_hours_late_is_dropped_not_sent(db, staffed, tablet, make_visit,
                                                             smtp_server, mail_config):
    mail_config(free_port())  # the mail server is down when the guest arrives
    make_visit(tablet(staffed.office), host=staffed.host)
    assert send_due()["retry"] == 1
    mail_config(smtp_server.port)  # back five hours later
    counts = send_due(now=datetime.now(timezone.utc) + timedelta(hours=5))
    assert counts["failed"] == 1 and counts["sent"] == 0 and not smtp_server.messages
    db.session.expire_all()
    note = db.session.scalar(db.select(Notification))
    assert note.status == "failed" and note.last_error == "stale"


def test_without_a_mail_server_nothing_is_queued(db, app, staffed, tablet, make_visit):
    assert not app.config.get("SITAMU_SMTP_HOST")
    make_visit(tablet(staffed.office), host=staffed.host)
    assert send_due() == {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 0
