"""Sync fixtures: enrolled tablets and a builder of protocol events."""
import itertools
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from server.api.operations import create_enrollment_code, enroll_device
from sync.rules import format_time

PROTO = {"X-Sitamu-Protocol": "1"}


@pytest.fixture
def enrolled(db, make_office, make_user):
    """Return a factory: enrol a tablet for an office; returns (device, token)."""

    def make(office=None, name="Meja depan"):
        office = office or make_office()
        admin = make_user("office_admin", office=office)
        code, _ = create_enrollment_code(office, admin, name)
        return enroll_device(code, name, "test")

    return make


class Tablet:
    """Makes events the way a desk tablet does: UUIDs once, seq 1, 2, 3, ..."""

    def __init__(self, token, start=None):
        self.token = token
        self.seq = itertools.count(1)
        self.clock = start or datetime.now(timezone.utc) - timedelta(minutes=30)

    @property
    def headers(self):
        return {**PROTO, "Authorization": f"Bearer {self.token}"}

    def event(self, visit_id, kind, payload=None, **extra):
        self.clock += timedelta(seconds=7)
        event = {"id": str(uuid.uuid4()), "visit_id": visit_id, "seq": next(self.seq), "kind": kind,
                 "actor": "staff:1", "device_time": format_time(self.clock), "clock_offset_ms": 0,
                 "payload": payload or {}}
        event.update(extra)
        return event

    def registration(self, visit_id=None, host_id=None, **payload):
        visit_id = visit_id or str(uuid.uuid4())
        body = {"queue_number": "A001", "id_type": "ktp", "id_number": "6171014506900001",
                "name": "Siti Aminah", "phone": "081234567890", "purpose": "Koordinasi",
                "host_id": host_id}
        body.update(payload)
        return self.event(visit_id, "registration", body, actor="guest")


@pytest.fixture
def tablet_for(enrolled):
    """Return a factory: an enrolled Tablet (with .device) for an office."""

    def make(office=None):
        device, token = enrolled(office)
        tablet = Tablet(token)
        tablet.device = device
        return tablet

    return make


@pytest.fixture(autouse=True)
def _forget_wrong_enrolment_codes(app):
    """Wrong codes sent by these tests must not lock 127.0.0.1 out for later tests."""
    yield
    from server.security import lockout

    with app.app_context():
        lockout().success("enroll", "127.0.0.1")
