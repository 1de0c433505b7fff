"""Staff accounts: who may log in, in which role, for which office."""
import hashlib
import hmac
import os
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
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
    # Part of every session cookie's user id ("<id>:<version>"): raising it ends every session
    # of the account at its next request (logout, new password, deactivation, role change).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
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

    def get_id(self) -> str:
        """Return the id Flask-Login keeps in the session: the user id and session version."""
        return f"{self.id}:{self.session_version or 0}"

    def end_sessions(self) -> None:
        """End every session of this account, on every browser, at its next request."""
        self.session_version = (self.session_version or 0) + 1

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    def __repr__(self) -> str:
        return f"<StaffUser {self.id} {self.username} {self.role} office={self.office_id}>"


# Changing these ends the account's sessions: a new password, a deactivation, another role,
# office or host must not leave an old session open somewhere with the old rights.
SESSION_BOUND = ("password_hash", "active", "role", "office_id", "host_id")


@event.listens_for(Session, "before_flush")
def _end_sessions_on_change(session, flush_context, instances) -> None:
    for obj in session.dirty:
        if not isinstance(obj, StaffUser):
            continue
        state = inspect(obj)
        if any(state.attrs[name].history.has_changes() for name in SESSION_BOUND) \
                and not state.attrs["session_version"].history.has_changes():
            obj.end_sessions()
