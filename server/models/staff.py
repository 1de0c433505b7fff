"""Staff accounts: who may log in, in which role, for which office."""
from datetime import datetime

from flask_login import UserMixin
import hashlib
import hmac
import os

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .base import UTCDateTime, utcnow
from .office import Host, Office

PIN_ITERATIONS = 100_000

ROLES = {
    "central_admin": "Admin Pusat",
    "office_admin": "Admin Kantor",
    "supervisor": "Pengawas",
    "receptionist": "Resepsionis / Helpdesk",
    "security": "Petugas Keamanan",
    "host": "Pejabat / Ajudan",
}


class StaffUser(UserMixin, db.Model):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    # None for central admins and province-wide supervisors; otherwise their office.
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), index=True)
    # For the host role: the host this account answers for (the host or their aide).
    host_id: Mapped[int | None] = mapped_column(ForeignKey("host.id"))
    password_hash: Mapped[str] = mapped_column(String(255))
    # PBKDF2-SHA256 of the tablet PIN, "pbkdf2$<iterations>$<salt hex>$<hash hex>",
    # checked offline by the desk app (WebCrypto) and online by the server.
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    office: Mapped[Office | None] = relationship()
    host: Mapped[Host | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)  # scrypt

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def set_pin(self, pin: str) -> None:
        """Store a tablet PIN (4-8 digits) as PBKDF2-SHA256, checkable offline by WebCrypto."""
        if not (pin.isdigit() and 4 <= len(pin) <= 8):
            raise ValueError("PIN must be 4 to 8 digits")
        salt = os.urandom(16)
        digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, PIN_ITERATIONS)
        self.pin_hash = f"pbkdf2${PIN_ITERATIONS}${salt.hex()}${digest.hex()}"

    def check_pin(self, pin: str) -> bool:
        if not self.pin_hash:
            return False
        _, iterations, salt, digest = self.pin_hash.split("$")
        candidate = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), int(iterations))
        return hmac.compare_digest(candidate.hex(), digest)

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    def __repr__(self) -> str:
        return f"<StaffUser {self.id} {self.username} {self.role} office={self.office_id}>"
