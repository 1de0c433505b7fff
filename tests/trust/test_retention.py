"""`sitamu retention run`: personal data past retention goes, anonymous aggregates stay."""
import hashlib
import json
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import Text, func, select, type_coerce

from server.extensions import db as _db
from server.models import Attachment, ChangeLog, Quarantine, SurveyResponse, Visit, VisitEvent
from server.models.base import utcnow
from server.models.notification import Notification
from server.privacy.retention import run_retention

NIK = "6171014508900003"
PHONE = "081234567890"


def _blob(office, kind, content: bytes):
    sha = hashlib.sha256(content).hexdigest()
    _db.session.add(Attachment(sha256=sha, office_id=office.id, kind=kind, content_type="image/png",
                               size=len(content), data=content))
    return sha


def _visit(office, days_ago, *, photo=None, name="Siti Aminah"):
    when = utcnow() - timedelta(days=days_ago)
    visit_id = str(uuid.uuid4())
    visit = Visit(id=visit_id, office_id=office.id, stage="checked_out", id_number=NIK,
                  nik_hash="ab" * 32, name=name, phone=PHONE, address="Jl. Merdeka 1, Pontianak",
                  institution="PT Maju", purpose="Konsultasi pengadaan", photo_sha=photo,
                  registered_at=when, checked_out_at=when + timedelta(hours=1),
                  consent_version="2026-01", consent_at=when,
                  state={"steps": {"isi_buku_tamu": when.isoformat()},
                         "feedback": {"sufficient": False, "need": "Telepon saya di " + PHONE}})
    _db.session.add(visit)
    _db.session.add(VisitEvent(
        id=str(uuid.uuid4()), visit_id=visit_id, office_id=office.id, kind="registration",
        device_time=when, corrected_time=when, content_hash="0" * 64,
        payload={"id_number": NIK, "name": name, "phone": PHONE, "institution": "PT Maju",
                 "address": "Jl. Merdeka 1", "purpose": "Konsultasi", "photo_sha": photo,
                 "consent_version": "2026-01"}))
    _db.session.add(VisitEvent(
        id=str(uuid.uuid4()), visit_id=visit_id, office_id=office.id, kind="correction",
        device_time=when, corrected_time=when, content_hash="1" * 64,
        payload={"fields": {"name": name + " S.", "institution": "PT Maju Jaya"}}))
    _db.session.add(SurveyResponse(id=str(uuid.uuid4()), office_id=office.id, visit_id=visit_id,
                                   persyaratan=4, prosedur=3, gender="P", age_band="30-39",
                                   saran=f"Terima kasih, {name}", submitted_at=when))
    _db.session.add(Notification(office_id=office.id, visit_id=visit_id, recipient="kabag@kalbar.go.id",
                                 subject=f"Tamu: {name}", body=f"{name} ({PHONE}) menunggu."))
    _db.session.add(Quarantine(office_id=office.id, record_id=visit_id,
                               payload={"payload": {"name": name}, "id_number": NIK}, errors={}))
    _db.session.commit()
    return visit_id


def _dump(visit_id) -> str:
    """Everything stored about a visit, raw, as one string to search for personal data."""
    rows = [
        _db.session.execute(select(*[type_coerce(c, Text) if c.name in ("id_number", "phone") else c
                                     for c in Visit.__table__.columns]).where(Visit.id == visit_id)).one(),
        *_db.session.execute(select(VisitEvent.payload).where(VisitEvent.visit_id == visit_id)).all(),
        *_db.session.execute(select(Notification.subject, Notification.body)
                             .where(Notification.visit_id == visit_id)).all(),
        *_db.session.execute(select(Quarantine.payload).where(Quarantine.record_id == visit_id)).all(),
    ]
    return json.dumps([list(map(str, r)) for r in rows])


def test_retention_removes_personal_data_and_keeps_aggregates(db, make_office):
    office = make_office(retention_days=30)
    photo = _blob(office, "photo", b"\x89PNG old face")
    old = _visit(office, 40, photo=photo)
    recent = _visit(office, 5, name="Budi Recent")
    before = _db.session.scalar(select(func.count()).select_from(Visit))

    report = run_retention()

    assert report.as_dict()["visits"] == {office.code: 1}
    _db.session.expire_all()
    purged = _db.session.get(Visit, old)
    assert purged.purged_at is not None
    assert (purged.id_number, purged.nik_hash, purged.phone, purged.photo_sha) == (None, None, None, None)
    assert purged.name == "" and purged.address == "" and purged.purpose == ""
    dump = _dump(old)
    for secret in (NIK, PHONE, "Siti", "Merdeka", "Konsultasi", photo):
        assert secret not in dump, secret
    assert _db.session.get(Attachment, photo) is None
    # Aggregates stay: the visit is still counted, its times and SOP steps and survey scores kept.
    assert _db.session.scalar(select(func.count()).select_from(Visit)) == before
    assert purged.stage == "checked_out" and purged.checked_out_at is not None
    assert "isi_buku_tamu" in purged.state["steps"]
    assert purged.institution == "PT Maju"
    survey = _db.session.scalars(select(SurveyResponse).where(SurveyResponse.persyaratan == 4)
                                 .order_by(SurveyResponse.submitted_at)).first()
    assert survey.visit_id is None and (survey.prosedur, survey.gender) == (3, "P")
    assert survey.saran == ""
    # The tablets hear of it as a delete tombstone.
    tomb = _db.session.scalars(select(ChangeLog).where(ChangeLog.entity_id == old)).all()
    assert [(t.entity, t.op) for t in tomb][-1] == ("visit", "delete")
    # The recent visit is untouched.
    kept = _db.session.get(Visit, recent)
    assert kept.purged_at is None and kept.id_number == NIK and kept.phone == PHONE
    assert "Budi Recent" in _dump(recent)


def test_retention_is_idempotent_and_follows_each_office_period(db, make_office):
    short, long_ = make_office(retention_days=10), make_office(retention_days=400)
    _visit(short, 20)
    _visit(long_, 20)
    assert run_retention().as_dict()["visits"] == {short.code: 1, long_.code: 0}
    assert run_retention().as_dict()["purged_total"] == 0


def test_photo_still_used_by_a_kept_visit_is_not_deleted(db, make_office):
    office = make_office(retention_days=30)
    photo = _blob(office, "photo", b"\x89PNG shared")
    _visit(office, 40, photo=photo)
    _visit(office, 1, photo=photo)
    run_retention()
    assert _db.session.get(Attachment, photo) is not None


def test_retention_command_prints_json_and_rejects_unknown_office(app, db, make_office):
    office = make_office(retention_days=30)
    _visit(office, 31)
    runner = app.test_cli_runner()
    status = runner.invoke(args=["retention", "status"])
    assert json.loads(status.stdout)[office.code] == {"retention_days": 30, "due": 1}
    result = runner.invoke(args=["retention", "run", "--office", office.code])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["visits"] == {office.code: 1}
    bad = runner.invoke(args=["retention", "run", "--office", "NOPE"])
    assert bad.exit_code == 2 and "no office" in bad.stderr


def test_nightly_retention_run_prunes_the_old_sync_change_log(app, db, make_office):
    office = make_office()
    db.session.add(ChangeLog(office_id=office.id, entity="host", entity_id="1", op="put",
                             created_at=datetime.now(timezone.utc) - timedelta(days=40)))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["change_log_pruned"] == 1
    assert db.session.scalar(select(func.count()).select_from(ChangeLog).where(
        ChangeLog.created_at < datetime.now(timezone.utc) - timedelta(days=31))) == 0


def test_purge_reaches_the_tablet_as_a_delete_tombstone(client, db, make_office, tablet_for):
    office = make_office(retention_days=1)
    tablet = tablet_for(office)
    event = tablet.registration()
    pushed = client.post("/api/v1/push", json={"protocol": 1, "events": [event]}, headers=tablet.headers)
    assert pushed.status_code == 200 and pushed.get_json()["ack"]["stored"] == [event["id"]]
    cursor, changes = "", []
    while True:
        page = client.get(f"/api/v1/pull?cursor={cursor}", headers=tablet.headers).get_json()
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert {"entity": "visit", "op": "put"}.items() <= next(
        c for c in changes if c["id"] == event["visit_id"]).items()

    report = run_retention(now=utcnow() + timedelta(days=2))
    assert report.as_dict()["visits"] == {office.code: 1}

    page = client.get(f"/api/v1/pull?cursor={cursor}", headers=tablet.headers).get_json()
    visit_changes = [c for c in page["changes"] if c["id"] == event["visit_id"]]
    assert visit_changes == [{"entity": "visit", "id": event["visit_id"], "op": "delete"}]
    stored = _db.session.scalars(select(VisitEvent).where(VisitEvent.id == event["id"])).one()
    assert "id_number" not in stored.payload and "Siti" not in json.dumps(stored.payload)


def test_event_arriving_after_the_purge_does_not_bring_personal_data_back(client, db, make_office, tablet_for):
    """A tablet offline for weeks may push a visit's late steps after retention purged it."""
    office = make_office(retention_days=1)
    tablet = tablet_for(office)
    registration = tablet.registration()
    late = [tablet.event(registration["visit_id"], "admitted", {"time_limit_minutes": 30}),
            tablet.event(registration["visit_id"], "correction", {"fields": {"name": "Siti Aminah Putri"}})]
    assert client.post("/api/v1/push", json={"protocol": 1, "events": [registration]},
                       headers=tablet.headers).status_code == 200
    run_retention(now=utcnow() + timedelta(days=2))
    pushed = client.post("/api/v1/push", json={"protocol": 1, "events": late}, headers=tablet.headers)
    assert pushed.status_code == 200 and sorted(pushed.get_json()["ack"]["stored"]) == sorted(e["id"] for e in late)
    _db.session.expire_all()
    visit = _db.session.get(Visit, registration["visit_id"])
    assert visit.purged_at is not None and visit.stage == "registered"
    assert "Siti" not in _dump(visit.id) and "Siti" not in (visit.tablet_json or "")
