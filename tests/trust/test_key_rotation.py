"""`sitamu rotate-key`: every Encrypted value moves to the current key, nothing is lost."""
import json
import uuid

from sqlalchemy import Text, select, type_coerce

from server.crypto import DataKeys, key_id
from server.extensions import db as _db
from server.models import Quarantine, Visit, VisitEvent
from server.models.base import utcnow
from server.privacy.keys import count_stale, rotate_keys

OLD, NEW, UNKNOWN = "11" * 32, "22" * 32, "33" * 32


def _sealed(keys, value):
    return "enc:" + keys.encrypt(value)


def _visits(db, office, n):
    keys = DataKeys(OLD)
    made = []
    now = utcnow()
    db.session.add(VisitEvent(id=str(uuid.uuid4()), visit_id="v", office_id=office.id,
                              kind="registration", device_time=now, corrected_time=now,
                              content_hash="0" * 64,
                              payload={"id_number": _sealed(keys, "6171014508900003"), "name": "Siti",
                                       "phone": _sealed(keys, "081234567890"), "fields": {"x": [1]}}))
    db.session.add(Quarantine(office_id=office.id, record_id="q",
                              payload={"kind": "registration",
                                       "payload": {"phone": _sealed(keys, "081234567890")}}))
    for i in range(n):
        nik = f"61710{i:02d}5019900001"[:16]
        phone = f"08123456{i:04d}"
        visit = Visit(id=str(uuid.uuid4()), office_id=office.id, name=f"Tamu {i}",
                      id_number=nik, phone=phone, nik_hash=keys.lookup_hash(nik))
        if i == 0:  # a guest who showed a SIM: no NIK hash
            visit.id_type, visit.nik_hash = "sim", None
        db.session.add(visit)
        made.append((visit.id, nik, phone, visit.nik_hash is not None))
    db.session.commit()
    return made


def _raw(visit_id):
    return _db.session.execute(
        select(type_coerce(Visit.id_number, Text), type_coerce(Visit.phone, Text), Visit.nik_hash)
        .where(Visit.id == visit_id)).one()


def test_rotation_reencrypts_everything_and_rebuilds_nik_hashes_resumably(db, make_app, make_office):
    made = _visits(db, make_office(), 7)
    rotated = make_app(SITAMU_DATA_KEY=NEW, SITAMU_DATA_KEYS_OLD=[OLD])
    new_keys = DataKeys(NEW)
    with rotated.app_context():
        stale = {name: n for name, n in count_stale().items() if n}  # every column is counted
        assert stale == {"visit.id_number": 7, "visit.phone": 7,
                         "visit_event.payload": 2, "quarantine.payload": 1}
        first = rotate_keys(batch_size=3, max_batches=1)  # interrupted after one batch
        assert first.rewritten == {"visit.id_number": 3, "visit.phone": 3}
        assert first.remaining["visit.id_number"] == 4 and first.remaining["visit.phone"] == 4
        assert not first.complete
        second = rotate_keys(batch_size=3)
        assert second.complete and not any(second.remaining.values())
        assert second.rewritten == {"visit.id_number": 4, "visit.phone": 4,
                                    "visit_event.payload": 2, "quarantine.payload": 1}
        for visit_id, nik, phone, hashed in made:
            raw_nik, raw_phone, nik_hash = _raw(visit_id)
            assert raw_nik.startswith(key_id(new_keys.current) + ":")
            assert new_keys.decrypt(raw_nik) == nik and new_keys.decrypt(raw_phone) == phone
            assert nik_hash == (new_keys.lookup_hash(nik) if hashed else None)
        assert rotate_keys().rewritten == {}, "a second run finds nothing to do"
        event = _db.session.scalars(select(VisitEvent)).one()
        assert new_keys.decrypt(event.payload["id_number"][4:]) == "6171014508900003"
        assert event.payload["name"] == "Siti" and event.payload["fields"]["x"] == [1]
        quarantined = _db.session.scalars(select(Quarantine)).one()
        assert new_keys.decrypt(quarantined.payload["payload"]["phone"][4:]) == "081234567890"
    # The new key alone now opens every row: the old key can be retired.
    only_new = make_app(SITAMU_DATA_KEY=NEW, SITAMU_DATA_KEYS_OLD=[])
    with only_new.app_context():
        names = sorted(v.phone for v in _db.session.scalars(select(Visit)))
        assert names == sorted(p for _, _, p, _ in made)


def test_value_under_an_unknown_key_is_kept_and_reported(db, make_app, make_office):
    office = make_office()
    stray = DataKeys(UNKNOWN).encrypt("6171015019900001")
    visit_id = str(uuid.uuid4())
    _db.session.execute(Visit.__table__.insert().values(
        id=visit_id, office_id=office.id, name="x", id_number=type_coerce(stray, Text)))
    _db.session.commit()
    rotated = make_app(SITAMU_DATA_KEY=NEW, SITAMU_DATA_KEYS_OLD=[OLD])
    with rotated.app_context():
        report = rotate_keys()
        assert report.unreadable == {"visit.id_number": 1}
        assert not report.complete
        assert _raw(visit_id)[0] == stray


def test_rotate_key_command_reports_json_and_check_exit_codes(db, make_app, make_office):
    _visits(db, make_office(), 3)
    rotated = make_app(SITAMU_DATA_KEY=NEW, SITAMU_DATA_KEYS_OLD=[OLD])
    runner = rotated.test_cli_runner()
    with rotated.app_context():  # the db fixture holds the main app's context
        assert runner.invoke(args=["rotate-key", "--check"]).exit_code == 1
        result = runner.invoke(args=["rotate-key", "--batch-size", "2"])
        assert result.exit_code == 0, result.output
        out = json.loads(result.stdout.strip().splitlines()[-1])
        assert out["rewritten"]["visit.id_number"] == 3 and out["rewritten"]["visit.phone"] == 3
        check = runner.invoke(args=["rotate-key", "--check"])
        assert check.exit_code == 0
        assert not any(json.loads(check.stdout)["remaining"].values())
        bad = runner.invoke(args=["rotate-key", "--batch-size", "0"])
        assert bad.exit_code != 0
