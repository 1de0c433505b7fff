"""Desk tablets and the one-time codes that enrol them."""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .office import Office


class Device(db.Model):
    __tablename__ = "device"
    __table_args__ = (UniqueConstraint("office_id", "letter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Public id the tablet uses in events (a UUID it learns at enrolment).
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # Prefix of this tablet's queue numbers (A, B, ...), unique within the office.
    letter: Mapped[str] = mapped_column(String(2))
    # SHA-256 of the bearer token; the token itself is never stored.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_push_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_pull_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Highest per-device sequence number below which every event has been stored.
    acked_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    highest_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # Last estimated device clock offset (device minus server), milliseconds.
    clock_skew_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    pull_cursor: Mapped[str] = mapped_column(String(64), default="")
    app_version: Mapped[str] = mapped_column(String(32), default="")
    pending_reported: Mapped[int] = mapped_column(Integer, default=0)

    office: Mapped[Office] = relationship()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:
        return f"<Device {self.id} {self.uid} office={self.office_id} {self.letter}>"


class EnrollmentCode(db.Model):
    __tablename__ = "enrollment_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device_name: Mapped[str] = mapped_column(String(120), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"))

    def __repr__(self) -> str:
        return f"<EnrollmentCode {self.id} office={self.office_id}>"
