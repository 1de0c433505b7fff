"""What tablets pull (the change log) and what they pushed but was refused (quarantine)."""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import BigId, JSONType, UTCDateTime, utcnow


class ChangeLog(db.Model):
    """One row per change a tablet may need to pull, in server-assigned order."""

    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_office_cursor", "office_id", "tx_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # PostgreSQL: the writing transaction's id (pg_current_xact_id); a pull only reads rows
    # of transactions older than every running one, so a late commit is never skipped.
    # SQLite: equal to id (writers are serialised, so ids commit in order).
    tx_id: Mapped[int] = mapped_column(BigInteger, default=0)  # SQLite: 0, order by id
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    entity: Mapped[str] = mapped_column(String(16))  # office, host, service, staff, visit
    entity_id: Mapped[str] = mapped_column(String(36))
    op: Mapped[str] = mapped_column(String(8), default="put")  # put, delete
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ChangeLog {self.id} office={self.office_id} {self.entity}:{self.entity_id} {self.op}>"


class Quarantine(db.Model):
    """An event or record refused for its content, kept for an admin to fix or dismiss."""

    __tablename__ = "quarantine"
    # A record re-sent (a lost acknowledgement, a replay still wrong) is kept once.
    __table_args__ = (Index("uq_quarantine_device_record", "device_id", "record_hash", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"))
    record_id: Mapped[str] = mapped_column(String(36), default="")
    # The visit the record names (events and surveys), so erasure and retention reach it.
    visit_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # An event's content hash, or the keyed hash of any other record as sent.
    record_hash: Mapped[str | None] = mapped_column(String(64))
    record_type: Mapped[str] = mapped_column(String(16), default="event")  # event, survey
    # The refused event's per-device sequence number: it counts as received for acked_seq.
    device_seq: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict] = mapped_column(JSONType, default=dict)
    # The error envelope's fields: {field: message}.
    errors: Mapped[dict] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open, replayed, dismissed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<Quarantine {self.id} office={self.office_id} {self.record_type}:{self.record_id}>"


class SurveyLink(db.Model):
    """A one-time link to the SKM survey for one visit, sent to the guest's phone.

    Only the SHA-256 of the token is stored; the link works once and for 24 hours.
    """

    __tablename__ = "survey_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    visit_id: Mapped[str] = mapped_column(String(36), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_id: Mapped[str | None] = mapped_column(String(36))

    def __repr__(self) -> str:
        return f"<SurveyLink {self.id} office={self.office_id} visit={self.visit_id}>"
