"""Photos and signatures: stored by their SHA-256, checked for type and size, and the visits
waiting for one told it arrived."""
from __future__ import annotations

import hashlib

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..models import Attachment, Device, Visit
from .common import SyncError, dialect_insert, utcnow

BLOB_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n", "image/webp": b"RIFF"}


BLOB_KINDS = ("photo", "signature")


def store_blob(device: Device, sha: str, data: bytes, content_type: str, kind: str = "photo") -> bool:
    """Store a photo or signature named by its SHA-256; return True if new. Commits.

    Raises SyncError: 400 hash_mismatch (a cut-off upload), 413 too_large, 415 unsupported_type.
    """
    content_type = (content_type or "").split(";")[0].strip().lower()
    if content_type not in BLOB_TYPES:
        raise SyncError(415, "unsupported_type", "Photos and signatures are JPEG, PNG or WebP.",
                        {"Content-Type": "must be image/jpeg, image/png or image/webp"})
    if kind not in BLOB_KINDS:
        raise SyncError(400, "invalid_request", "kind must be photo or signature.", {"kind": "photo or signature"})
    limit = current_app.config.get("SITAMU_BLOB_MAX_BYTES", 512 * 1024)
    if len(data) > limit:
        raise SyncError(413, "too_large", f"A blob holds at most {limit} bytes.")
    if hashlib.sha256(data).hexdigest() != sha:
        raise SyncError(400, "hash_mismatch", "The bytes do not match their SHA-256; nothing was stored.",
                        {"sha256": "does not match the body"})
    magic = BLOB_TYPES[content_type]
    if not data.startswith(magic) or (content_type == "image/webp" and data[8:12] != b"WEBP"):
        raise SyncError(415, "unsupported_type", "The bytes are not the image type named.",
                        {"Content-Type": "does not match the bytes"})
    dialect = db.session.get_bind().dialect.name
    table = Attachment.__table__
    stmt = dialect_insert(table, dialect).on_conflict_do_nothing().returning(table.c.sha256)
    created = bool(db.session.execute(stmt, [{
        "sha256": sha, "office_id": device.office_id, "kind": kind, "content_type": content_type,
        "size": len(data), "data": data, "created_at": utcnow()}]).scalars().all())
    if created:
        _blob_arrived(device.office_id, sha)
    device.last_seen_at = utcnow()
    db.session.commit()
    return created


def _blob_arrived(office_id: int, sha: str) -> None:
    """Clear "photo pending" on the office's visits that were waiting for this blob."""
    visits = db.session.scalars(select(Visit).where(
        Visit.office_id == office_id, (Visit.photo_sha == sha) | (Visit.signature_sha == sha)))
    for visit in visits:
        state = dict(visit.state or {})
        if visit.photo_sha == sha:
            state["photo_pending"] = False
        if visit.signature_sha == sha:
            state["signature_pending"] = False
        visit.state = state  # the change-log hook tells the tablets


def blob_exists(sha: str) -> bool:
    """Return True if a photo or signature with this SHA-256 is stored."""
    return db.session.scalar(select(func.count()).select_from(Attachment).where(Attachment.sha256 == sha)) > 0
