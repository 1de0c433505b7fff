"""The audit log: who did what to which record, and every full view of a NIK."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import BigId, JSONType, UTCDateTime, utcnow


class AuditLog(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))  # e.g. "visit.view_nik", "host.update"
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    # Never personal data: ids and field names only.
    detail: Mapped[dict] = mapped_column(JSONType, default=dict)
    request_id: Mapped[str] = mapped_column(String(32), default="")

    def __repr__(self) -> str:
        return f"<AuditLog {self.id} {self.action} user={self.user_id} office={self.office_id}>"
