"""Visits, the events they are derived from, and their photo and signature blobs.

A visit row is a cache of `sync.rules.derive_visit` over the visit's events: the
events are the truth, the row is what pages and reports read.
"""
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import Encrypted
from ..extensions import db
from .base import JSONType, UTCDateTime, utcnow
from .office import Host, Office, Service


class Visit(db.Model):
    __tablename__ = "visit"
    __table_args__ = (Index("ix_visit_office_registered", "office_id", "registered_at"),
                      # The visit analytics' returning guests: read from the index alone.
                      Index("ix_visit_nik_office_registered", "nik_hash", "office_id", "registered_at"),
                      # The dashboard's per-office figures are remembered until this moves.
                      Index("ix_visit_office_updated", "office_id", "updated_at"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID made by the tablet
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"))
    stage: Mapped[str] = mapped_column(String(24), default="registered", index=True)
    queue_number: Mapped[str] = mapped_column(String(16), default="")
    id_type: Mapped[str] = mapped_column(String(12), default="ktp")  # ktp, sim, passport, other
    id_number: Mapped[str | None] = mapped_column(Encrypted)
    # HMAC of the NIK, to find a returning guest without decrypting every row.
    nik_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(160), default="")
    phone: Mapped[str | None] = mapped_column(Encrypted)
    institution: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    host_id: Mapped[int | None] = mapped_column(ForeignKey("host.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"))
    # SOP tier the visit follows (from the host's tier when the template has tiers).
    tier: Mapped[str] = mapped_column(String(16), default="")
    card_number: Mapped[str] = mapped_column(String(16), default="")
    ktp_held: Mapped[bool] = mapped_column(Boolean, default=False)
    locker_number: Mapped[str] = mapped_column(String(16), default="")
    screening: Mapped[str] = mapped_column(String(16), default="")  # "", clear, refused
    # True while the desk holds a card, identity document or locker key (state["custody"]).
    custody_open: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    unavailable_reason: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    photo_sha: Mapped[str | None] = mapped_column(String(64))
    signature_sha: Mapped[str | None] = mapped_column(String(64))
    consent_version: Mapped[str] = mapped_column(String(32), default="")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Corrected (server-clock) times of the main milestones.
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    admitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Everything else the rules derive (step times, corrections, flags).
    state: Mapped[dict] = mapped_column(JSONType, default=dict)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    # Minutes per SOP step, stored when the visit is derived, for the dashboard's medians:
    # {"sop": signature of the steps, "minutes": {step_key: minutes}} (server/dashboard/step_store.py).
    step_minutes: Mapped[dict | None] = mapped_column(JSONType)
    # What the office's tablets see of this visit, as JSON text: written with every change
    # (server/api/pull.py), so a pull sends it as it is instead of rebuilding it per tablet.
    tablet_json: Mapped[str | None] = mapped_column(Text)
    # Set when retention removed the personal data; the row stays for aggregates.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    office: Mapped[Office] = relationship()
    host: Mapped[Host | None] = relationship()
    service: Mapped[Service | None] = relationship()

    def __repr__(self) -> str:
        return f"<Visit {self.id} office={self.office_id} {self.stage}>"


class DashboardDay(db.Model):
    """One office's closed day summed up for the dashboard (server/dashboard/days.py)."""

    __tablename__ = "dashboard_day"

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # in the office's zone
    # {"visits": n, "tiers": [[tier, steps signature]...], "steps": {step_key: minutes packed}}
    # (minutes in registration order as base64 of little-endian doubles: days.pack)
    figures: Mapped[dict] = mapped_column(JSONType)
    # The visit analytics' counts of the day (server/dashboard/analytics.py count_visits).
    counts: Mapped[dict] = mapped_column(JSONType)

    def __repr__(self) -> str:
        return f"<DashboardDay office={self.office_id} {self.day}>"


class VisitEvent(db.Model):
    """One step of a visit as a tablet (or the host inbox) recorded it. Append-only."""

    __tablename__ = "visit_event"
    __table_args__ = (
        # Idempotent push: a re-sent event hits this constraint instead of being stored twice.
        UniqueConstraint("device_id", "device_seq", name="uq_event_device_seq"),
        Index("ix_event_visit", "visit_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID made once
    visit_id: Mapped[str] = mapped_column(String(36))
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    # None for events made on the server (a host answering from the inbox).
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"))
    device_seq: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64), default="")
    # The SOP step key this event completes ("" when none).
    step: Mapped[str] = mapped_column(String(64), default="")
    device_time: Mapped[datetime] = mapped_column(UTCDateTime)
    clock_offset_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # device_time minus the device's clock offset: the time on the server's clock.
    corrected_time: Mapped[datetime] = mapped_column(UTCDateTime)
    skew_flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[dict] = mapped_column(JSONType, default=dict)
    # SHA-256 of the canonical event, to tell a re-send from a conflicting one.
    content_hash: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<VisitEvent {self.id} visit={self.visit_id} {self.kind}>"


class Attachment(db.Model):
    """A photo or signature, named by the SHA-256 of its bytes."""

    __tablename__ = "attachment"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # photo, signature, logo
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Attachment {self.sha256[:12]} office={self.office_id} {self.kind}>"


class BlobUpload(db.Model):
    """The bytes of a photo or signature a tablet has sent so far (a resumable upload).

    Keyed by the blob's SHA-256 and the device, so each tablet resumes its own upload; the row
    is deleted when the blob is complete and verified, and the nightly retention run deletes
    rows left idle for a day."""

    __tablename__ = "blob_upload"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("device.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(40))
    total: Mapped[int] = mapped_column(Integer)  # the whole blob's size, from Content-Range
    data: Mapped[bytes] = mapped_column(LargeBinary)  # the first len(data) bytes of the blob
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<BlobUpload {self.sha256[:12]} device={self.device_id} {len(self.data or b'')}/{self.total}>"
