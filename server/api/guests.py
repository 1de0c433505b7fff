"""Returning guests: the form fields of a guest's latest visit at the office, found by NIK."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from ..audit import record_audit
from ..crypto import nik_lookup_hash
from ..extensions import db
from ..models import Device, Visit
from ..nik import clean_nik
from .common import utcnow

# What a returning guest would otherwise retype. Never the phone (a lobby tablet keeps only
# what the desk needs; the guest types it again) and never the NIK (the guest just typed it).
RETURNING_GUEST_FIELDS = ("id_type", "name", "institution", "address")


def find_returning_guest(device: Device, nik: str) -> dict | None:
    """Return the form fields of the latest visit of the device's office by the guest with this
    NIK, or None. Commits.

    Only visits still inside the office's retention period and not purged count (the nightly
    purge may not have run yet). A hit is audited by visit id; the NIK itself is turned into the
    keyed lookup hash at once and never stored, logged or returned.
    """
    now = utcnow()
    cutoff = now - timedelta(days=device.office.retention_days)
    row = db.session.execute(
        select(Visit.id, *(getattr(Visit, name) for name in RETURNING_GUEST_FIELDS))
        .where(Visit.office_id == device.office_id,
               Visit.nik_hash == nik_lookup_hash(clean_nik(nik)),
               Visit.purged_at.is_(None),
               func.coalesce(Visit.registered_at, Visit.updated_at) >= cutoff)
        .order_by(Visit.registered_at.desc().nulls_last(), Visit.id.desc()).limit(1)).first()
    device.last_seen_at = now
    if row is not None:
        record_audit("guest.lookup", office_id=device.office_id, target_type="visit", target_id=row.id,
                     device_id=device.id)
    db.session.commit()
    return {name: getattr(row, name) for name in RETURNING_GUEST_FIELDS} if row is not None else None
