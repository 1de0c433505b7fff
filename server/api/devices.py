"""Desk tablets: one-time enrolment codes (and their QR), enrolment, the bearer token, revocation."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, text, update

from ..audit import record_audit
from ..extensions import db
from ..models import Device, EnrollmentCode, Office
from .common import SyncError, sha256_hex, utcnow

ENROLL_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


ENROLL_TTL = timedelta(hours=24)


def normalize_code(code: str) -> str:
    """Return an enrolment code as it is hashed: upper case, letters and digits only."""
    return "".join(ch for ch in str(code).upper() if ch.isalnum())


def create_enrollment_code(office: Office, user, device_name: str = "") -> tuple[str, datetime]:
    """Create a one-time enrolment code for `office`; return (code, expires_at). Commits."""
    raw = "".join(secrets.choice(ENROLL_CODE_ALPHABET) for _ in range(9))
    code = f"{raw[:3]}-{raw[3:6]}-{raw[6:]}"
    expires_at = utcnow() + ENROLL_TTL
    db.session.add(EnrollmentCode(office_id=office.id, code_hash=sha256_hex(normalize_code(code)),
                                  device_name=(device_name or "")[:120],
                                  created_by=getattr(user, "id", None), expires_at=expires_at))
    record_audit("device.enrollment_code", office_id=office.id, target_type="office",
                 target_id=office.id, user_id=getattr(user, "id", None))
    db.session.commit()
    return code, expires_at


def enrollment_url(code: str) -> str:
    """Return the desk app URL that enrols with `code` (the code rides in the fragment)."""
    base = current_app.config.get("SITAMU_PUBLIC_URL", "").rstrip("/")
    return f"{base}/app/#enroll={code}"


def enrollment_qr_svg(code: str) -> str:
    """Return an SVG QR code of the enrol URL, for the admin page to show beside the code."""
    import io

    import segno

    out = io.BytesIO()
    segno.make(enrollment_url(code), error="m").save(out, kind="svg", scale=5, border=2,
                                                      xmldecl=False, svgns=True)
    return out.getvalue().decode()


def _next_letter(office_id: int) -> str:
    used = set(db.session.scalars(select(Device.letter).where(Device.office_id == office_id)))
    singles = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    for letter in singles + [a + b for a in singles for b in singles]:
        if letter not in used:
            return letter
    raise SyncError(409, "conflict", "This office has no free tablet letter left.")


def enroll_device(code: str, device_name: str, app_version: str = "") -> tuple[Device, str]:
    """Exchange a one-time code for a device and its token (returned once). Commits."""
    import uuid

    now = utcnow()
    refused = SyncError(400, "invalid_code", "The enrolment code is wrong, used or expired.",
                        {"code": "wrong, used or expired"})
    row = db.session.scalar(select(EnrollmentCode).where(
        EnrollmentCode.code_hash == sha256_hex(normalize_code(code))))
    if row is None or row.used_at is not None or row.expires_at < now:
        raise refused
    # Spend the code with one conditional write: of two racing requests only one gets a row.
    spent = db.session.execute(update(EnrollmentCode).where(
        EnrollmentCode.id == row.id, EnrollmentCode.used_at.is_(None)).values(used_at=now))
    if spent.rowcount != 1:
        db.session.rollback()
        raise refused
    if db.session.get_bind().dialect.name == "postgresql":  # one letter per tablet of an office
        db.session.execute(text("SELECT pg_advisory_xact_lock(1, :o)"), {"o": row.office_id})
    token = secrets.token_urlsafe(32)  # 256 bits
    device = Device(uid=str(uuid.uuid4()), office_id=row.office_id,
                    name=(device_name or row.device_name or "Tablet")[:120],
                    letter=_next_letter(row.office_id), token_hash=sha256_hex(token),
                    app_version=(app_version or "")[:32], last_seen_at=now)
    db.session.add(device)
    db.session.flush()
    row.device_id = device.id
    record_audit("device.enroll", office_id=row.office_id, target_type="device",
                 target_id=device.id, device_id=device.id, user_id=row.created_by)
    db.session.commit()
    return device, token


def device_for_token(token: str) -> Device | None:
    """Return the device holding this bearer token, revoked or not, or None."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(select(Device).where(Device.token_hash == sha256_hex(token)))


def revoke_device(device: Device, user) -> None:
    """Revoke a tablet: its next request gets 401. Commits."""
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        device.token_hash = None
        record_audit("device.revoke", office_id=device.office_id, target_type="device",
                     target_id=device.id, user_id=getattr(user, "id", None))
    db.session.commit()
