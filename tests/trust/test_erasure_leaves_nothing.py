"""Erasure and retention leave nothing of the guest anywhere: every table and column of the
database (encrypted and sealed values opened), the SQLite file itself, and the instance folder."""
import base64
import binascii
import json
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from server.crypto import data_keys
from server.extensions import db as _db
from server.models import Quarantine, Visit
from server.models.base import utcnow
from sync.rules import mask_id_number

NIK = "6171014508900003"
OTHER_NIK = "3273010101850002"
SECRETS = {
    "name": "Zulaikha Purnamasari",
    "nik": NIK,
    "masked nik": mask_id_number(NIK),
    "phone": "081298765432",
    "corrected phone": "081377771234",
    "address": "Jl. Melati Tersembunyi 77",
    "purpose": "Rapat rahasia proyek kelor",
    "need": "Hubungi saya kembali soal izin",
    "saran": "Terima kasih dari Zulaikha",
}
CIPHERTEXT = re.compile(r"[0-9a-f]{8}:[A-Za-z0-9+/]{20,}={0,2}")


def push(client, tablet, events, surveys=()):
    response = client.post("/api/v1/push", data=json.dumps({"protocol": 1, "events": list(events),
                                                           "surveys": list(surveys)}),
                           headers={**tablet.headers, "Content-Type": "application/json"})
    assert response.status_code == 200, response.data
    return response.get_json()["ack"]


def opened(value: str) -> list[str]:
    """Return the plaintexts of every ciphertext inside `value` (columns and sealed JSON)."""
    found = []
    for token in CIPHERTEXT.findall(value):
        try:
            found.append(data_keys().decrypt(token))
        except (ValueError, binascii.Error, Exception):
            continue
    return found


def whole_database() -> str:
    """Every value of every column of every table, as text, ciphertexts opened."""
    out = []
    with _db.engine.connect() as conn:
        for table in _db.metadata.sorted_tables:
            for row in conn.execute(select(*[c for c in table.columns]).with_only_columns(
                    *[c.cast(_db.Text) if not isinstance(c.type, _db.LargeBinary) else c
                      for c in table.columns])):
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        value = bytes(value).decode("latin-1")
                    value = "" if value is None else str(value)
                    out.append(value)
                    out.extend(opened(value))
    return "\n".join(out)


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def sqlite_files(app) -> dict[str, bytes]:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///"):
        return {}
    path = Path(url[len("sqlite:///"):])
    return {str(p): p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()}


def leaks(haystack: str, blobs: dict[str, bytes]) -> dict:
    found = {what: "database" for what, secret in SECRETS.items() if secret in haystack}
    for path, data in blobs.items():
        for what, secret in SECRETS.items():
            if secret.encode() in data or base64.b64encode(secret.encode()) in data:
                found.setdefault(what, path)
    return found


@pytest.fixture
def guest_everywhere(client, db, tablet_for, make_host, make_user):
    """One guest whose data reached every place a push can put it: the visit, its events (a
    correction, feedback), quarantined copies (a conflicting version, a poison event, a NIK
    sent as a number, a refused survey), a survey response; and a stranger who must stay."""
    tablet = tablet_for()
    office = tablet.device.office
    host = make_host(office)
    reg = tablet.registration(host_id=host.id, id_number=NIK, name=SECRETS["name"], phone=SECRETS["phone"],
                              address=SECRETS["address"], purpose=SECRETS["purpose"])
    visit_id = reg["visit_id"]
    correction = tablet.event(visit_id, "correction", {"fields": {"phone": SECRETS["corrected phone"]}})
    feedback = tablet.event(visit_id, "service_feedback", {"sufficient": False, "need": SECRETS["need"]},
                            step="tanya_feedback")
    stranger = tablet.registration(id_number=OTHER_NIK, name="Orang Lain Saja", phone="081200000000")
    ack = push(client, tablet, [reg, correction, feedback, stranger])
    assert len(ack["stored"]) == 4, ack
    from sync.rules import content_hash

    conflict = next(c for c in (dict(reg, payload=dict(reg["payload"], name=f"{SECRETS['name']} {n}"))
                                for n in range(100)) if content_hash(c) != content_hash(reg))
    poison = tablet.event(visit_id, "host_notified", {"channel": "fax", "name": SECRETS["name"],
                                                      "address": SECRETS["address"]})
    as_number = tablet.event(visit_id, "correction", {"fields": {"id_number": int(NIK),
                                                                 "phone": int(SECRETS["phone"])}})
    survey = {"id": str(uuid.uuid4()), "visit_id": visit_id, "submitted_at": reg["device_time"],
              "source": "kiosk", "answers": {"persyaratan": 4}, "profile": {}, "saran": SECRETS["saran"]}
    bad_survey = dict(survey, id=str(uuid.uuid4()), answers={"persyaratan": 7})
    ack = push(client, tablet, [conflict, poison, as_number], [survey, bad_survey])
    assert len(ack["quarantined"]) == 3 and ack["stored"] in ([survey["id"]], [conflict["id"], survey["id"]])
    assert db.session.scalar(select(_db.func.count()).select_from(Quarantine)) >= 4
    # Before: the guest is there, in clear where the app shows it and sealed where it must be.
    before = whole_database()
    assert all(secret in before for secret in SECRETS.values()), "the search sees every place"
    return {"visit_id": visit_id, "stranger": stranger["visit_id"], "admin": make_user("office_admin", office)}


def erase(guest):
    from server.privacy.subject import erase_visits

    erase_visits([_db.session.get(Visit, guest["visit_id"])], guest["admin"], reference="REQ-1")


def retain(guest):
    from server.privacy.retention import run_retention

    visit = _db.session.get(Visit, guest["visit_id"])
    office = visit.office
    # Only this guest's visit is past retention: move its registration back.
    visit.registered_at = utcnow() - timedelta(days=office.retention_days + 1)
    _db.session.commit()
    run_retention(office_code=office.code)


@pytest.mark.parametrize("remove", [erase, retain], ids=["erasure", "retention"])
def test_removing_a_guest_leaves_nothing_in_any_table_column_or_file(app, db, guest_everywhere, remove):
    remove(guest_everywhere)
    _db.session.remove()
    assert leaks(whole_database(), {**files_under(Path(app.instance_path)), **sqlite_files(app)}) == {}
    # The stranger, registered at the same desk, is untouched.
    with _db.engine.connect() as conn:
        name = conn.execute(text("SELECT name FROM visit WHERE id = :v"), {"v": guest_everywhere["stranger"]}).scalar()
    assert name == "Orang Lain Saja"
