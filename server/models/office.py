"""Offices, the hosts a guest can meet there, and the services (layanan) they offer."""
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import Encrypted
from ..extensions import db
from .base import JSONType, UTCDateTime, utcnow

TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
TIMEZONE_LABELS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
IKM_CONVENTIONS = ("exact", "0.111")
HOST_TIERS = ("pimpinan", "eselon_2_3", "eselon_4_asn")


class Office(db.Model):
    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The region or parent body (e.g. the province secretariat above a biro).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"))
    region: Mapped[str] = mapped_column(String(120), default="")
    # Letterhead lines, top to bottom, e.g. "PEMERINTAH PROVINSI KALIMANTAN BARAT".
    letterhead: Mapped[list] = mapped_column(JSONType, default=list)
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    logo_sha: Mapped[str | None] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(32), default="Asia/Jakarta")
    sop_template: Mapped[str] = mapped_column(String(64))
    # Office-specific standard minutes: {step_key: minutes}, overriding the template.
    sop_minutes: Mapped[dict] = mapped_column(JSONType, default=dict)
    ikm_convention: Mapped[str] = mapped_column(String(8), default="exact")
    signer_name: Mapped[str] = mapped_column(String(120), default="")
    signer_position: Mapped[str] = mapped_column(String(200), default="")
    signer_nip: Mapped[str] = mapped_column(String(32), default="")
    # Pangkat/golongan of the signer, e.g. "Pembina Utama Muda (IV/c)".
    signer_rank: Mapped[str] = mapped_column(String(80), default="", server_default="")
    # The second signer of the register and IKM report ("Dibuat oleh"), beside the head who
    # signs "Mengetahui"; no second block while the name is empty.
    maker_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    maker_position: Mapped[str] = mapped_column(String(200), default="", server_default="")
    maker_rank: Mapped[str] = mapped_column(String(80), default="", server_default="")
    maker_nip: Mapped[str] = mapped_column(String(32), default="", server_default="")
    # The city written before the date of a signed document ("Pontianak, 4 Desember 2026").
    city: Mapped[str] = mapped_column(String(80), default="", server_default="")
    # Service users the office states per period ({"2026-S2": 1500}): the SKM population;
    # a period not listed uses the visits recorded.
    population: Mapped[dict | None] = mapped_column(JSONType, default=dict)
    # Fewest respondents before a host or service gets its own IKM grade.
    respondent_threshold: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    # Days personal data is kept on the server; after that only aggregates remain.
    retention_days: Mapped[int] = mapped_column(Integer, default=365)
    # Days synced personal data stays on a tablet; 0 means the current day only.
    device_retention_days: Mapped[int] = mapped_column(Integer, default=0)
    # Minutes a guest may stay with the host (the seeds' "batas waktu menghadap").
    visit_time_limit: Mapped[int] = mapped_column(Integer, default=30)
    # Idle minutes after which a desk tablet locks staff mode (the PIN is asked again).
    staff_lock_minutes: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    ikm_published: Mapped[bool] = mapped_column(Boolean, default=True)
    # Public booking (/janji/<code>): {"hours": {"0": ["08:00", "15:00"], ...} (Monday = "0"),
    # "closed": ["2026-12-25", ...], "slot_minutes": 30}; None means the defaults
    # (server/appointments/slots.py).
    booking: Mapped[dict | None] = mapped_column(JSONType)
    # The ECDSA P-256 private key that signs QR tickets, as PEM, encrypted; made on first use.
    ticket_key: Mapped[str | None] = mapped_column(Encrypted)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped["Office | None"] = relationship(remote_side=[id])
    hosts: Mapped[list["Host"]] = relationship(back_populates="office", order_by="Host.name")
    services: Mapped[list["Service"]] = relationship(back_populates="office", order_by="Service.name")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def tz_label(self) -> str:
        return TIMEZONE_LABELS.get(self.timezone, self.timezone)

    def local(self, when: datetime | None) -> datetime | None:
        """Return a UTC time in this office's zone."""
        return None if when is None else when.astimezone(self.tz)

    def __repr__(self) -> str:
        return f"<Office {self.id} {self.code}>"


class Host(db.Model):
    """A person a guest can come to meet."""

    __tablename__ = "host"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[str] = mapped_column(String(200), default="")
    tier: Mapped[str] = mapped_column(String(16), default="eselon_4_asn")
    unit: Mapped[str] = mapped_column(String(200), default="")
    # The aide who answers for the host: ADC (pimpinan), agendaris, or the bagian.
    aide_name: Mapped[str] = mapped_column(String(120), default="")
    aide_role: Mapped[str] = mapped_column(String(60), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bookings: "off", "auto" (approved at once) or "approval" (by the host, aide or office).
    booking_mode: Mapped[str] = mapped_column(String(8), default="off", server_default="off")
    # Guests per booking slot.
    booking_capacity: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The polite reason shown to guests while the host is unavailable.
    unavailable_reason: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    office: Mapped[Office] = relationship(back_populates="hosts")

    def __repr__(self) -> str:
        return f"<Host {self.id} office={self.office_id} {self.name!r}>"


class Service(db.Model):
    """A service (layanan) an office offers to guests."""

    __tablename__ = "service"
    __table_args__ = (UniqueConstraint("office_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Bookings: "off", "auto" (approved at once) or "approval" (by the host, aide or office).
    booking_mode: Mapped[str] = mapped_column(String(8), default="off", server_default="off")
    # Guests per booking slot.
    booking_capacity: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    office: Mapped[Office] = relationship(back_populates="services")

    def __repr__(self) -> str:
        return f"<Service {self.id} office={self.office_id} {self.name!r}>"
