"""Web-area fixtures: one office staffed in every role, tablets that push real events,
visits built through the sync path, and a real SMTP server (aiosmtpd) on localhost."""
import itertools
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from server.api.operations import create_enrollment_code, enroll_device, ingest_batch
from server.models import SurveyResponse
from sync.rules import format_time
from tests.conftest import free_port

NIK = "6171014506900001"


class Tablet:
    """An enrolled desk tablet that makes events the way the PWA does."""

    def __init__(self, device, token):
        self.device, self.token = device, token
        self.seq = itertools.count(1)

    @property
    def headers(self):
        return {"X-Sitamu-Protocol": "1", "Authorization": f"Bearer {self.token}"}

    def event(self, visit_id, kind, when, payload=None, **extra):
        event = {"id": str(uuid.uuid4()), "visit_id": visit_id, "seq": next(self.seq), "kind": kind,
                 "actor": "staff:1", "device_time": format_time(when), "clock_offset_ms": 0,
                 "payload": payload or {}}
        event.update(extra)
        return event

    def push(self, events, surveys=None) -> dict:
        result = ingest_batch(self.device, events, surveys or [])
        assert not result["ack"]["quarantined"] and not result["ack"]["conflict"], result["ack"]
        return result


@pytest.fixture
def tablet(db, make_user):
    """Return a factory: enrol a tablet for an office through the real enrolment code."""

    def make(office, name="Meja depan"):
        admin = make_user("office_admin", office=office)
        code, _ = create_enrollment_code(office, admin, name)
        device, token = enroll_device(code, name, "test")
        return Tablet(device, token)

    return make


@pytest.fixture
def make_visit(db):
    """Return a factory: push a registration (and optional later events) from a tablet.

    `steps` is a list of (kind, minutes after registration, payload, step key)."""

    def make(tablet, *, host=None, service=None, name="Siti Aminah", institution="CV Maju Jaya",
             at=None, queue="A001", nik=NIK, phone="081234567890", steps=(), consent_minutes=2,
             purpose="Koordinasi pengadaan"):
        at = at or datetime.now(timezone.utc) - timedelta(minutes=10)
        visit_id = str(uuid.uuid4())
        payload = {"queue_number": queue, "id_type": "ktp", "id_number": nik, "name": name,
                   "phone": phone, "institution": institution, "purpose": purpose,
                   "host_id": host.id if host else None, "service_id": service.id if service else None,
                   "consent_version": "v1", "consent_at": format_time(at - timedelta(minutes=consent_minutes))}
        events = [tablet.event(visit_id, "registration", at, payload, actor="guest", step="isi_buku_tamu")]
        for kind, minutes, extra, step in steps:
            kw = {"step": step} if step else {}
            events.append(tablet.event(visit_id, kind, at + timedelta(minutes=minutes), extra, **kw))
        tablet.push(events)
        from server.models import Visit

        db.session.expire_all()
        return db.session.get(Visit, visit_id)

    return make


@pytest.fixture
def make_response(db):
    """Return a factory of survey responses with the given element scores."""

    def make(office, scores: dict | int = 4, at=None, visit_id=None, **extra):
        from server.models import ELEMENT_KEYS

        values = scores if isinstance(scores, dict) else {k: scores for k in ELEMENT_KEYS}
        response = SurveyResponse(id=str(uuid.uuid4()), office_id=office.id, visit_id=visit_id,
                                  source="kiosk", submitted_at=at or datetime.now(timezone.utc),
                                  **values, **extra)
        db.session.add(response)
        db.session.commit()
        return response

    return make


@pytest.fixture
def staffed(db, make_office, make_user, make_host, make_service):
    """One office with a host, a service and a user in every role, plus a second office."""

    class Staffed:
        pass

    s = Staffed()
    s.office = make_office(code="KANTOR-A", name="Biro Uji A", timezone="Asia/Jakarta")
    s.other = make_office(code="KANTOR-B", name="Dinas Uji B", timezone="Asia/Makassar")
    s.host = make_host(s.office, name="Dr. Rina Kartika", email="rina@uji.go.id", phone="0812-3456-7890")
    s.other_host = make_host(s.other, name="Ir. Bambang Wijaya", email="bambang@uji.go.id")
    s.service = make_service(s.office, name="Konsultasi pengadaan")
    s.users = {
        "central_admin": make_user("central_admin", username="pusat"),
        "office_admin": make_user("office_admin", office=s.office, username="admin.a"),
        "supervisor": make_user("supervisor", office=s.office, username="pengawas.a"),
        "receptionist": make_user("receptionist", office=s.office, username="resepsionis.a"),
        "security": make_user("security", office=s.office, username="satpam.a"),
        "host": make_user("host", office=s.office, username="ajudan.a", host_id=s.host.id),
    }
    s.other_admin = make_user("office_admin", office=s.other, username="admin.b")
    s.other_host_user = make_user("host", office=s.other, username="ajudan.b", host_id=s.other_host.id)
    return s


@pytest.fixture
def as_user(app, db):
    """Return a factory of test clients logged in as a user (a fresh client each)."""

    def make(user):
        client = app.test_client()
        response = client.post("/login", data={"username": user.username, "password": "password123"})
        assert response.status_code == 302, response.data[:300]
        return client

    return make


@pytest.fixture
def smtp_server():
    """A real SMTP server on localhost (aiosmtpd) that keeps every message it receives."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Collect(Message):
        def __init__(self):
            super().__init__()
            self.messages = []

        def handle_message(self, message):
            self.messages.append(message)

    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.messages = handler.messages
    yield controller
    controller.stop()


@pytest.fixture
def mail_config(app):
    """Point the app at a mail server for one test, then restore the settings."""
    saved = {k: app.config.get(k) for k in ("SITAMU_SMTP_HOST", "SITAMU_SMTP_PORT", "SITAMU_MAIL_FROM")}

    def configure(port: int, host: str = "127.0.0.1"):
        app.config.update(SITAMU_SMTP_HOST=host, SITAMU_SMTP_PORT=port,
                          SITAMU_MAIL_FROM="sitamu@uji.go.id")

    yield configure
    app.config.update(saved)
