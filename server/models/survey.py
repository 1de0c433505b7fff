"""SKM survey responses: the nine elements by key, the respondent profile, saran."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sync.skm import ELEMENT_KEYS  # keyed as in shared/reference/skm-ikm.md; never by position

from ..extensions import db
from .base import UTCDateTime, utcnow


class SurveyResponse(db.Model):
    """One respondent's answers. Append-only; blanks (None) are allowed per element."""

    __tablename__ = "survey_response"
    __table_args__ = (Index("ix_survey_office_submitted", "office_id", "submitted_at"),
                      # The dashboard's survey sums are remembered until the newest moves.
                      Index("ix_survey_received", "received_at"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    # At most one response per visit; None for paper and walk-in responses.
    visit_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"), index=True)
    host_id: Mapped[int | None] = mapped_column(ForeignKey("host.id"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"))
    source: Mapped[str] = mapped_column(String(8), default="kiosk")  # kiosk, phone, paper
    persyaratan: Mapped[int | None] = mapped_column(SmallInteger)
    prosedur: Mapped[int | None] = mapped_column(SmallInteger)
    waktu: Mapped[int | None] = mapped_column(SmallInteger)
    biaya: Mapped[int | None] = mapped_column(SmallInteger)
    produk: Mapped[int | None] = mapped_column(SmallInteger)
    kompetensi: Mapped[int | None] = mapped_column(SmallInteger)
    perilaku: Mapped[int | None] = mapped_column(SmallInteger)
    pengaduan: Mapped[int | None] = mapped_column(SmallInteger)
    sarana: Mapped[int | None] = mapped_column(SmallInteger)
    gender: Mapped[str] = mapped_column(String(1), default="")  # L, P
    age_band: Mapped[str] = mapped_column(String(8), default="")  # e.g. "<20", "20-29", "60+"
    education: Mapped[str] = mapped_column(String(16), default="")
    occupation: Mapped[str] = mapped_column(String(32), default="")
    saran: Mapped[str] = mapped_column(Text, default="")
    # The office's answer to the saran (tindak lanjut), written on the admin's saran page.
    saran_reply: Mapped[str] = mapped_column(Text, default="", server_default="")
    saran_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    saran_replied_by: Mapped[int | None] = mapped_column(Integer)  # staff_user id (kept if the user goes)
    # Paper upload batch this response came in, for undo and audit.
    batch: Mapped[str] = mapped_column(String(36), default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<SurveyResponse {self.id} office={self.office_id} {self.source}>"


# One column per element, named by its key (the API, the exports and the IKM engine read them so).
assert all(key in SurveyResponse.__table__.columns for key in ELEMENT_KEYS)
