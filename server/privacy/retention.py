"""Retention and erasure: remove a visit's personal data, keep only anonymous aggregates.

A purged visit keeps what the reports count (office, stage, host, service, tier, times, SOP
step times, survey scores and respondent profile) and loses who the guest was: identity
number and its lookup hash, name, phone, address, purpose, photo and signature, and the same
fields in the visit's events, quarantined copies and host e-mails. Tablets learn of a purge
as a delete tombstone in the change log. `sitamu retention run` purges every visit older
than its office's `retention_days`; the privacy pages call `purge_visit` for erasure.
"""
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select

from ..changes import log_changes, prune_change_log
from ..extensions import db
from ..models import Attachment, BlobUpload, Office, Quarantine, SurveyResponse, Visit, VisitEvent
from ..models.base import utcnow

log = logging.getLogger("sitamu.retention")

# Event payload fields that identify a guest; their values are removed on purge.
PERSONAL_FIELDS = ("id_number", "id_number_masked", "name", "phone", "address", "purpose", "photo_sha",
                   "signature_sha", "need", "saran")
PURGED_TEXT = ""


# A partial photo or signature upload nobody continued for this long is deleted.
PARTIAL_UPLOAD_TTL = timedelta(hours=24)


@dataclass
class RetentionReport:
    visits: dict = field(default_factory=dict)  # office code -> visits purged
    attachments: int = 0
    quarantine: int = 0
    change_log: int = 0  # sync change-log rows older than any live pull cursor
    partial_uploads: int = 0  # blob uploads a tablet began and left for a day (sync/PROTOCOL.md)
    appointments: int = 0  # bookings and invitations past retention (server/appointments)

    def as_dict(self) -> dict:
        return {"visits": self.visits, "purged_total": sum(self.visits.values()),
                "attachments_deleted": self.attachments, "quarantine_scrubbed": self.quarantine,
                "change_log_pruned": self.change_log, "partial_uploads_expired": self.partial_uploads,
                "appointments_purged": self.appointments}


def _scrub(value):
    """Return `value` without personal fields, at any depth (quarantine keeps whole events)."""
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if k not in PERSONAL_FIELDS}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def scrub_payload(payload: dict) -> dict:
    clean = _scrub(payload or {})
    clean["purged"] = True
    return clean


def _tombstone(visit: Visit) -> None:
    """Tell the office's tablets to drop the visit: a delete after the purge's own update."""
    db.session.flush()  # the change-log hook writes the update ("put") first
    log_changes(db.session.connection(), [
        {"office_id": visit.office_id, "entity": "visit", "entity_id": visit.id, "op": "delete"}])


def purge_visit(visit: Visit, now: datetime | None = None) -> set[str]:
    """Remove the visit's personal data in the current transaction; return blob hashes freed."""
    now = now or utcnow()
    blobs = {sha for sha in (visit.photo_sha, visit.signature_sha) if sha}
    visit.id_number = None
    visit.nik_hash = None
    visit.name = PURGED_TEXT
    visit.phone = None
    visit.address = PURGED_TEXT
    visit.purpose = PURGED_TEXT
    visit.photo_sha = None
    visit.signature_sha = None
    state = dict(visit.state or {})
    for key in PERSONAL_FIELDS:
        state.pop(key, None)
    if isinstance(state.get("feedback"), dict):
        state["feedback"] = {k: v for k, v in state["feedback"].items() if k != "need"}
    visit.state = state
    visit.purged_at = now
    for event in db.session.scalars(select(VisitEvent).where(VisitEvent.visit_id == visit.id)):
        for key in ("photo_sha", "signature_sha"):
            if (event.payload or {}).get(key):
                blobs.add(event.payload[key])
        event.payload = scrub_payload(event.payload)
    # Quarantined copies: events and surveys naming the visit (record_id is their own id;
    # a record kept before visit_id was filled may carry the visit's id as its own).
    for item in db.session.scalars(select(Quarantine).where(
            or_(Quarantine.visit_id == visit.id, Quarantine.record_id == visit.id))):
        item.payload = scrub_payload(item.payload)
    # A survey answer's scores and profile stay for the IKM, without the link to who gave it
    # and without the free text, which may name them.
    for response in db.session.scalars(select(SurveyResponse).where(SurveyResponse.visit_id == visit.id)):
        response.visit_id = None
        response.saran = ""
    _scrub_notifications(visit.id)
    _tombstone(visit)
    _forget_cached_register(visit)
    return blobs


def forget_freed_pages() -> None:
    """On SQLite, move every write into the database file and empty the write-ahead log: the
    log still holds the pages as they were before a purge (secure_delete zeroes what the
    purge freed in the file itself, see server/__init__.py). Call after committing a purge."""
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _forget_cached_register(visit: Visit) -> None:
    """Cached register PDFs of the visit's month still show the guest: delete them (the next
    download renders the month again, with the row marked as removed)."""
    from reports.jobs import forget_period

    when = visit.registered_at or visit.updated_at
    if when is not None:
        forget_period(visit.office_id, when.astimezone(visit.office.tz).strftime("%Y-%m"))


def _scrub_notifications(visit_id: str) -> None:
    from ..models import notification
    from ..notify import forget_message

    # The host's work address stays; what the message said about the guest goes.
    for note in db.session.scalars(select(notification.Notification)
                                   .where(notification.Notification.visit_id == visit_id)):
        forget_message(note, address=False)


def delete_unreferenced_blobs(candidates: set[str]) -> int:
    """Delete photos and signatures no remaining visit or event refers to."""
    deleted = 0
    for sha in candidates:
        used = db.session.scalar(select(func.count()).select_from(Visit).where(
            or_(Visit.photo_sha == sha, Visit.signature_sha == sha)))
        if used:
            continue
        attachment = db.session.get(Attachment, sha)
        if attachment is not None and attachment.kind in ("photo", "signature"):
            db.session.delete(attachment)
            deleted += 1
    return deleted


def run_retention(now: datetime | None = None, office_code: str | None = None,
                  batch_size: int = 200) -> RetentionReport:
    """Purge every visit older than its office's retention period, in batches."""
    now = now or utcnow()
    report = RetentionReport()
    offices = db.session.scalars(select(Office).order_by(Office.id)).all()
    if office_code:
        offices = [o for o in offices if o.code == office_code]
    for office in offices:
        cutoff = now - timedelta(days=office.retention_days)
        count = 0
        while True:
            visits = db.session.scalars(
                select(Visit).where(Visit.office_id == office.id, Visit.purged_at.is_(None),
                                    func.coalesce(Visit.registered_at, Visit.updated_at) < cutoff)
                .order_by(Visit.id).limit(batch_size)).all()
            if not visits:
                break
            blobs: set[str] = set()
            for visit in visits:
                blobs |= purge_visit(visit, now)
            db.session.flush()
            report.attachments += delete_unreferenced_blobs(blobs)
            db.session.commit()
            count += len(visits)
        report.quarantine += _scrub_old_quarantine(office, cutoff)
        report.attachments += _delete_orphan_blobs(office, cutoff)
        db.session.commit()
        report.visits[office.code] = count
        if count:
            log.info("retention purged visits", extra={"office_id": office.id, "count": count})
    from ..appointments.operations import run_retention as appointments_retention

    report.appointments = appointments_retention(now, office_code)
    if not office_code:  # the change log is shared by all offices: pruned on a full run only
        report.change_log = prune_change_log()
        report.partial_uploads = expire_partial_uploads(now)
        db.session.commit()
    forget_freed_pages()
    return report


def expire_partial_uploads(now: datetime) -> int:
    """Delete blob uploads left unfinished for a day (their bytes may be part of a photo)."""
    cutoff = now - PARTIAL_UPLOAD_TTL
    return db.session.execute(delete(BlobUpload).where(BlobUpload.updated_at < cutoff)).rowcount or 0


def _scrub_old_quarantine(office: Office, cutoff: datetime) -> int:
    items = db.session.scalars(select(Quarantine).where(
        Quarantine.office_id == office.id, Quarantine.created_at < cutoff)).all()
    n = 0
    for item in items:
        if not (item.payload or {}).get("purged"):
            item.payload = scrub_payload(item.payload)
            n += 1
    return n


def _delete_orphan_blobs(office: Office, cutoff: datetime) -> int:
    """Delete old photos and signatures that no visit names (e.g. uploads of lost events)."""
    shas = db.session.scalars(select(Attachment.sha256).where(
        Attachment.office_id == office.id, Attachment.kind.in_(("photo", "signature")),
        Attachment.created_at < cutoff)).all()
    return delete_unreferenced_blobs(set(shas))
