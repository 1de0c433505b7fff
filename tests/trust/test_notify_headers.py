"""Issue 13 (item 10): a field that ends up in an e-mail header (queue number, name, address of
the host) can carry no line break into it, and one bad message never stops the queue."""
import uuid

import pytest

from server.extensions import db as _db
from server.models import Notification
from server.models.base import utcnow
from sync.rules import format_time
from tests.web.conftest import mail_config, smtp_server  # noqa: F401  (fixtures)

INJECTED = "A001\r\nBcc: spy@evil.example"


def _registration(visit_id, **payload):
    values = {"queue_number": "A001", "id_type": "ktp", "name": "Tamu Uji", "purpose": "Rapat"}
    values.update(payload)
    return {"id": str(uuid.uuid4()), "visit_id": visit_id, "seq": 1, "kind": "registration",
            "actor": "guest", "device_time": format_time(utcnow()), "clock_offset_ms": 0,
            "payload": values}


@pytest.mark.parametrize("field, value", [
    ("queue_number", "A1\r\nBcc: s@ev.id"), ("queue_number", "A001\n"), ("name", "Budi\r\nBcc: spy@evil.example"),
    ("name", "Budi\u2028Santoso"), ("institution", "CV Maju\rJaya"),
])
def test_a_push_refuses_line_breaks_in_one_line_fields(client, tablet_for, field, value):
    tablet = tablet_for()
    event = _registration(str(uuid.uuid4()), **{field: value})
    response = client.post("/api/v1/push", json={"protocol": 1, "events": [event]}, headers=tablet.headers)
    assert response.status_code == 200
    ack = response.get_json()["ack"]
    assert ack["stored"] == [] and [q["id"] for q in ack["quarantined"]] == [event["id"]]
    assert field in str(ack["quarantined"][0]["fields"])


def test_a_push_keeps_line_breaks_where_a_field_may_have_several(client, tablet_for):
    tablet = tablet_for()
    event = _registration(str(uuid.uuid4()), address="Jl. Merdeka 1\nPontianak", purpose="Rapat\nkoordinasi")
    response = client.post("/api/v1/push", json={"protocol": 1, "events": [event]}, headers=tablet.headers)
    assert response.get_json()["ack"]["stored"] == [event["id"]]


def _queued(office_id, recipient="kabag@kalbarprov.go.id", subject="Tamu menunggu: A002"):
    note = Notification(office_id=office_id, channel="email", recipient=recipient, subject=subject,
                        body="Tamu menunggu.", status="queued", attempts=0, next_attempt_at=utcnow())
    _db.session.add(note)
    _db.session.commit()
    return note.id


def test_one_bad_message_never_stops_the_queue(app, db, make_office, smtp_server, mail_config):  # noqa: F811
    """Rows written before the API refused line breaks (or by any other path) still go out,
    each on its own: a header is made one line, an address that cannot be one fails alone."""
    office = make_office()
    injected = _queued(office.id, subject=f"Tamu menunggu: {INJECTED}")
    bad_address = _queued(office.id, recipient="kabag@kalbarprov.go.id\r\nBcc: spy@evil.example")
    good = _queued(office.id)
    mail_config(smtp_server.port)
    result = app.test_cli_runner().invoke(args=["notify", "send"])
    assert result.exit_code == 1, result.output  # one message failed for good
    assert "sent 2" in result.output and "failed 1" in result.output
    _db.session.expire_all()
    status = {n.id: (n.status, n.last_error) for n in _db.session.scalars(_db.select(Notification))}
    assert status[good][0] == "sent" and status[injected][0] == "sent"
    assert status[bad_address] == ("failed", "ValueError")
    assert len(smtp_server.messages) == 2
    for message in smtp_server.messages:
        # The text stays in the subject, harmless: no header of its own, no extra recipient.
        assert message["Bcc"] is None and "spy@evil.example" not in message["X-RcptTo"]
    subjects = sorted(str(m["Subject"]) for m in smtp_server.messages)
    assert subjects == ["Tamu menunggu: A001 Bcc: spy@evil.example", "Tamu menunggu: A002"]


def test_queued_subjects_are_one_line(app, db, make_office):
    from server.notify import queue_email

    office = make_office()
    note = queue_email(office_id=office.id, recipient=" kabag@kalbarprov.go.id ",
                       subject="Tamu menunggu: Budi\nSantoso\x00", body="x")
    _db.session.commit()
    assert note.subject == "Tamu menunggu: Budi Santoso" and note.recipient == "kabag@kalbarprov.go.id"


@pytest.mark.parametrize("email", ["kabag@kalbarprov.go.id\n", "kabag@kalbarprov.go.id\r\nBcc: spy@evil.example"])
def test_an_admin_cannot_save_a_host_address_with_a_line_break(client, make_user, make_office, email):
    office = make_office()
    admin = make_user("office_admin", office)
    client.post("/login", data={"username": admin.username, "password": "password123"})
    response = client.post("/admin/hosts/new", data={
        "office_id": str(office.id), "name": "Drs. Budi", "tier": "eselon_4_asn", "email": email,
        "available": "y", "active": "y"})
    assert response.status_code == 400
    assert "e-mail tidak valid" in response.get_data(as_text=True)


@pytest.mark.parametrize("where, value", [
    ("photo_sha", "a" * 64 + "\n"), ("signature_sha", "b" * 64 + "\n"), ("actor", "guest\n"), ("step", "isi_buku_tamu\n"),
])
def test_a_trailing_line_break_never_passes_a_pattern(client, tablet_for, where, value):
    """`$` in a pattern also matches before a final newline: every pattern ends with \\Z."""
    tablet = tablet_for()
    event = _registration(str(uuid.uuid4()))
    if where in ("actor", "step"):
        event[where] = value
    else:
        event["payload"][where] = value
    response = client.post("/api/v1/push", json={"protocol": 1, "events": [event]}, headers=tablet.headers)
    assert response.status_code == 200
    ack = response.get_json()["ack"]
    assert ack["stored"] == [] and [q["id"] for q in ack["quarantined"]] == [event["id"]]


def test_a_blob_name_with_a_trailing_line_break_is_refused(client, tablet_for):
    tablet = tablet_for()
    response = client.open("/api/v1/blobs/" + "c" * 64 + "%0A", method="HEAD", headers=tablet.headers)
    assert response.status_code == 400
