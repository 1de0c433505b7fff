"""Appointments: a guest's booking (janji temu) or a staff invitation, with its QR ticket."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import Encrypted
from ..extensions import db
from .base import UTCDateTime, utcnow
from .office import Host, Office, Service

# pending: waiting for the host, aide or office; approved; rescheduled: approved at another
# time the host proposed; declined (with a reason); cancelled (by the guest or staff);
# no_show: approved and never checked in by the end of its day; checked_in.
APPOINTMENT_STATUSES = (
    "pending",
    "approved",
    "rescheduled",
    "declined",
    "cancelled",
    "no_show",
    "checked_in",
)
# What a desk may check in.
ACTIVE_STATUSES = ("approved", "rescheduled")
BOOKING_MODES = ("off", "auto", "approval")


class Appointment(db.Model):
    __tablename__ = "appointment"
    __table_args__ = (Index("ix_appointment_office_date", "office_id", "date"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID, in the QR
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    kind: Mapped[str] = mapped_column(String(12), default="booking")  # booking, invitation
    # The meeting's label for an invited group ("Rapat koordinasi PBJ"); None for one guest.
    group_label: Mapped[str | None] = mapped_column(String(200))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"))
    host_id: Mapped[int | None] = mapped_column(ForeignKey("host.id"))
    date: Mapped[date] = mapped_column(Date)  # office local date
    time: Mapped[str] = mapped_column(String(5))  # office local "HH:MM"
    queue: Mapped[str] = mapped_column(String(8), default="")  # "J-007"
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    id_type: Mapped[str] = mapped_column(String(12), default="ktp")
    id_number: Mapped[str | None] = mapped_column(Encrypted)
    nik_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(160), default="")
    phone: Mapped[str | None] = mapped_column(Encrypted)
    email: Mapped[str | None] = mapped_column(Encrypted)
    institution: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    # The letter (surat permohonan) as an Attachment of kind "letter".
    letter_sha: Mapped[str | None] = mapped_column(String(64))
    consent_version: Mapped[str] = mapped_column(String(32), default="")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SHA-256 of the status link's token: the link itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The guest's request for another time (status pending again): "YYYY-MM-DD HH:MM".
    requested_change: Mapped[str] = mapped_column(String(40), default="")
    reason: Mapped[str] = mapped_column(Text, default="")  # why declined, cancelled or moved
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))  # invitations
    checked_in_visit_id: Mapped[str | None] = mapped_column(String(36))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when retention or erasure removed the personal data.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    office: Mapped[Office] = relationship()
    host: Mapped[Host | None] = relationship()
    service: Mapped[Service | None] = relationship()

    @property
    def code(self) -> str:
        """The booking code a guest can type at the desk."""
        return self.id.replace("-", "")[:8].upper()

    def __repr__(self) -> str:
        return (
            f"<Appointment {self.id} office={self.office_id} {self.date} {self.time} {self.status}>"
        )
