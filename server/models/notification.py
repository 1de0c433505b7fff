"""Messages to hosts (e-mail), queued in the database and retried until the mail server answers."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import BigId, UTCDateTime, utcnow

NOTIFICATION_STATUSES = ("queued", "sent", "failed")


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_due", "status", "next_attempt_at"),
        # One "guest waiting" message per visit, host and channel, however many workers scan.
        UniqueConstraint("visit_id", "host_id", "channel", name="uq_notification_visit_host"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    host_id: Mapped[int | None] = mapped_column(ForeignKey("host.id"))
    visit_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # The appointment a guest's ticket, reminder or status message is about (its ticket PDF is
    # attached when the message is sent).
    appointment_id: Mapped[str | None] = mapped_column(String(36), index=True)
    channel: Mapped[str] = mapped_column(String(12), default="email")
    # The host's work address (an office contact, not a guest's personal data).
    recipient: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="queued")  # queued, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Why the last attempt failed (exception class and SMTP code; never message content).
    last_error: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Notification {self.id} office={self.office_id} {self.channel} {self.status}>"
