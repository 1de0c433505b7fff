"""Operations other areas call: quarantine replay and dismissal, QR, server events, pruning."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from server.api.operations import (
    SyncError,
    dismiss_quarantine,
    enrollment_qr_svg,
    ingest_batch,
    quarantine_record,
    record_server_event,
    replay_quarantine,
)
from server.changes import prune_change_log
from server.models import AuditLog, ChangeLog, Device, Quarantine, Visit


def test_quarantined_event_replayed_with_a_fix_is_stored_and_closed(db, tablet_for, make_host, make_user):
    tablet = tablet_for()
    device = db.session.get(Device, tablet.device.id)
    reg = tablet.registration(host_id=999_999)
    ack = ingest_batch(device, [reg], [])
    assert ack["ack"]["quarantined"][0]["id"] == reg["id"]
    item = db.session.scalar(select(Quarantine))
    record = quarantine_record(item)
    assert record["payload"]["id_number"] == "6171014506900001"  # decrypted for the admin page
    host = make_host(device.office)
    admin = make_user("office_admin", office=device.office)
    record["payload"]["host_id"] = host.id
    result = replay_quarantine(item, record, admin)
    assert result["ack"]["stored"] == [reg["id"]]
    db.session.refresh(item)
    assert item.status == "replayed" and item.resolved_by == admin.id
    assert db.session.get(Visit, reg["visit_id"]).host_id == host.id
    with pytest.raises(SyncError):
        replay_quarantine(item, record, admin)


def test_replay_that_is_still_wrong_keeps_the_item_open(db, tablet_for, make_user):
    tablet = tablet_for()
    device = db.session.get(Device, tablet.device.id)
    ingest_batch(device, [tablet.registration(host_id=999_999)], [])
    item = db.session.scalar(select(Quarantine))
    result = replay_quarantine(item, quarantine_record(item), make_user("office_admin", office=device.office))
    assert result["ack"]["quarantined"] and db.session.get(Quarantine, item.id).status == "open"


def test_dismissed_quarantine_is_closed_and_audited(db, tablet_for, make_user):
    tablet = tablet_for()
    device = db.session.get(Device, tablet.device.id)
    ingest_batch(device, [tablet.registration(host_id=999_999)], [])
    item = db.session.scalar(select(Quarantine))
    admin = make_user("office_admin", office=device.office)
    dismiss_quarantine(item, admin, "Tamu uji coba")
    assert item.status == "dismissed" and item.note == "Tamu uji coba"
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "quarantine.dismiss")) == 1


def test_server_event_with_a_bad_payload_is_refused(db, tablet_for):
    tablet = tablet_for()
    device = db.session.get(Device, tablet.device.id)
    reg = tablet.registration()
    ingest_batch(device, [reg], [])
    visit = db.session.get(Visit, reg["visit_id"])
    with pytest.raises(SyncError) as exc:
        record_server_event(visit, "host_unavailable", {}, "host:1")
    assert "payload.reason" in exc.value.fields
    event = record_server_event(visit, "host_received", {}, "host:1")
    assert event.device_id is None and db.session.get(Visit, reg["visit_id"]).stage == "host_received"


def test_enrolment_qr_is_an_svg_of_the_enrol_url(app, db):
    svg = enrollment_qr_svg("K7Q-4MX-92B")
    assert svg.lstrip().startswith("<svg") and "</svg>" in svg


def test_every_office_table_change_is_logged_for_pull(db, make_office, make_host, make_service):
    office = make_office()
    host = make_host(office)
    service = make_service(office)
    office.name = "Kantor Baru"
    db.session.commit()
    db.session.delete(service)
    db.session.commit()
    rows = db.session.execute(select(ChangeLog.entity, ChangeLog.entity_id, ChangeLog.op).where(
        ChangeLog.office_id == office.id).order_by(ChangeLog.id)).all()
    assert ("host", str(host.id), "put") in rows
    assert ("service", str(service.id), "delete") in rows
    assert [r for r in rows if r[0] == "office"].count(("office", str(office.id), "put")) == 2


def test_old_change_log_rows_are_pruned_only_past_the_cursor_lifetime(db, make_office):
    office = make_office()
    old = ChangeLog(office_id=office.id, entity="host", entity_id="1", op="put",
                    created_at=datetime.now(timezone.utc) - timedelta(days=40))
    db.session.add(old)
    db.session.commit()
    with pytest.raises(ValueError):
        prune_change_log(7)
    assert prune_change_log() == 1
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ChangeLog).where(
        ChangeLog.office_id == office.id)) == 1  # the office's own creation stays


def test_late_event_does_not_refill_a_purged_visit(db, tablet_for):
    tablet = tablet_for()
    device = db.session.get(Device, tablet.device.id)
    reg = tablet.registration()
    ingest_batch(device, [reg], [])
    visit = db.session.get(Visit, reg["visit_id"])
    visit.name, visit.id_number, visit.purged_at = "", None, datetime.now(timezone.utc)
    db.session.commit()
    ack = ingest_batch(device, [tablet.event(reg["visit_id"], "checked_out", {})], [])
    assert len(ack["ack"]["stored"]) == 1
    db.session.expire_all()
    visit = db.session.get(Visit, reg["visit_id"])
    assert visit.name == "" and visit.id_number is None
