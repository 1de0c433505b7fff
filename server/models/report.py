"""What admins write on IKM reports: the follow-up plan (rencana tindak lanjut) per element."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
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
