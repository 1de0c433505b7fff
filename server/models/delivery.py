"""Scheduled report delivery: per office, whether the monthly register and semester IKM report
are made on the first working day and e-mailed, to whom, and what was delivered."""
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class ReportDelivery(db.Model):
    """An office's delivery settings (one row per office; no row means off)."""

    __tablename__ = "report_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The signing official's work address (Office.signer_name signs the documents).
    signer_email: Mapped[str] = mapped_column(String(120), default="")
    # More work addresses, one a line (e.g. the secretariat).
    recipients: Mapped[str] = mapped_column(Text, default="")
    # Also send to the office's active admins that have an e-mail address.
    to_admins: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<ReportDelivery {self.id} office={self.office_id} enabled={self.enabled}>"


class ReportDispatch(db.Model):
    """One scheduled report of one office and period: made once, mailed once."""

    __tablename__ = "report_dispatch"
    __table_args__ = (UniqueConstraint("office_id", "kind", "period", name="uq_report_dispatch"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # register, ikm
    period: Mapped[str] = mapped_column(String(8))  # 2026-11, 2026-S2
    # queued, running, mailed (report made, e-mails queued), failed (retried by the next run)
    state: Mapped[str] = mapped_column(String(8), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    job_id: Mapped[str] = mapped_column(String(64), default="")  # the report job (download link)
    recipients: Mapped[int] = mapped_column(Integer, default=0)  # e-mails queued
    last_error: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<ReportDispatch {self.id} office={self.office_id} {self.kind} {self.period} {self.state}>"
