"""What admins write on IKM reports (the follow-up plan, rencana tindak lanjut, per element),
and the finished report documents and job states every server node shares (reports/jobs.py)."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class IkmFollowUp(db.Model):
    """An office's rencana tindak lanjut for one SKM element in one period."""

    __tablename__ = "ikm_follow_up"
    __table_args__ = (UniqueConstraint("office_id", "period", "element"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    # Period code as reports.periods reads it: 2026-10, 2026-Q4, 2026-S2, 2026.
    period: Mapped[str] = mapped_column(String(8))
    element: Mapped[str] = mapped_column(String(16))  # an ELEMENT_KEYS key
    plan: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<IkmFollowUp {self.id} office={self.office_id} {self.period} {self.element}>"


class ReportDocument(db.Model):
    """A finished report (register, IKM report, recap), kept where every node can read it."""

    __tablename__ = "report_document"
    __table_args__ = (Index("ix_report_document_office_period", "office_id", "period"),)

    # The report key (reports.jobs.report_key: a hash of what the document depends on), which is
    # also the id of the job that made it.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # register, ikm, recap
    # None for the recap (several offices); forget_period deletes an office's period by these two.
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<ReportDocument {self.key} office={self.office_id} {self.kind} {self.period}>"


class ReportJob(db.Model):
    """The state of a background report job, seen by every web node while a worker makes it."""

    __tablename__ = "report_job"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the report key
    # The job's status as JSON: state (queued, running, done, failed), progress, message, ...
    status: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<ReportJob {self.id}>"


class ReportForget(db.Model):
    """A period whose cached reports were deleted (retention, erasure): every node deletes its
    own local copies (reports.jobs.sweep_forgotten), not only the node that purged."""

    __tablename__ = "report_forget"

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    forgotten_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<ReportForget office={self.office_id} {self.period} {self.forgotten_at}>"
