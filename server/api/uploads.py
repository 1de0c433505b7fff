"""Resumable photo and signature uploads (sync/PROTOCOL.md, "Blobs").

A tablet PUTs a blob's bytes from an offset (`Content-Range: bytes first-last/total`, or the
whole blob without it). What arrives is kept per device and SHA-256, also when the link cuts
the request off half-way, so the next try sends only the rest; `HEAD` tells the offset. When
the last byte is in, the whole blob is verified by its SHA-256 and stored by `store_blob`.
"""
import hashlib
import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select
from werkzeug.exceptions import ClientDisconnected

from ..extensions import db
from ..models import Attachment, BlobUpload, Device
from ..models.base import utcnow
from .blobs import BLOB_KINDS, BLOB_TYPES, store_blob
from .common import SyncError, dialect_insert

RANGE_RE = re.compile(r"^bytes (\d{1,9})-(\d{1,9})/(\d{1,9})\Z")
READ_PIECE = 16 * 1024


@dataclass
class Upload:
    """The outcome of one PUT: stored (new or already there), or the bytes held so far."""

    complete: bool
    created: bool = False
    offset: int = 0


def blob_limit() -> int:
    return current_app.config.get("SITAMU_BLOB_MAX_BYTES", 512 * 1024)


def parse_range(header: str | None, length: int | None) -> tuple[int, int, int]:
    """Return (first byte, last byte, total size) of a PUT from Content-Range and Content-Length."""
    if length is None:  # a part's length must be known to check it against its range
        raise SyncError(411, "length_required", "Send Content-Length with a blob.",
                        {"Content-Length": "required"})
    if not header:
        if length == 0:
            raise SyncError(400, "invalid_request", "A blob cannot be empty.", {"body": "empty"})
        return 0, length - 1, length
    m = RANGE_RE.match(header.strip())
    if not m:
        raise SyncError(400, "invalid_request", "Content-Range must read 'bytes first-last/total'.",
                        {"Content-Range": "bytes first-last/total"})
    first, last, total = (int(x) for x in m.groups())
    if not first <= last < total or length != last - first + 1:
        raise SyncError(400, "invalid_request", "Content-Range does not agree with the body.",
                        {"Content-Range": "first <= last < total, last - first + 1 = Content-Length"})
    return first, last, total


def held_offset(device: Device, sha: str) -> int:
    """Return how many bytes of the blob this device has sent so far (0 when none)."""
    row = db.session.get(BlobUpload, (sha, device.id))
    return len(row.data) if row is not None else 0


def blob_stored(sha: str) -> bool:
    return db.session.scalar(select(Attachment.sha256).where(Attachment.sha256 == sha)) is not None


def check_type(content_type: str, kind: str) -> str:
    """Return the normalised content type; 415 or 400 when type or kind is not allowed."""
    content_type = (content_type or "").split(";")[0].strip().lower()
    if content_type not in BLOB_TYPES:
        raise SyncError(415, "unsupported_type", "Photos and signatures are JPEG, PNG or WebP.",
                        {"Content-Type": "must be image/jpeg, image/png or image/webp"})
    if kind not in BLOB_KINDS:
        raise SyncError(400, "invalid_request", "kind must be photo or signature.", {"kind": "photo or signature"})
    return content_type


def check_magic(head: bytes, content_type: str) -> None:
    """415 when the first bytes of a blob are not the type named (checked as soon as they arrive)."""
    magic = BLOB_TYPES[content_type]
    if len(head) >= 12 and (not head.startswith(magic) or (content_type == "image/webp" and head[8:12] != b"WEBP")):
        raise SyncError(415, "unsupported_type", "The bytes are not the image type named.",
                        {"Content-Type": "does not match the bytes"})


def _save_partial(device: Device, sha: str, kind: str, content_type: str, total: int, data: bytes) -> None:
    table = BlobUpload.__table__
    dialect = db.session.get_bind().dialect.name
    values = {"sha256": sha, "device_id": device.id, "kind": kind, "content_type": content_type,
              "total": total, "data": data, "updated_at": utcnow()}
    stmt = dialect_insert(table, dialect).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.sha256, table.c.device_id],
                                      set_={k: stmt.excluded[k] for k in ("kind", "content_type", "total",
                                                                         "data", "updated_at")})
    db.session.execute(stmt)
    db.session.commit()


def _drop_partial(device: Device, sha: str) -> None:
    db.session.execute(delete(BlobUpload).where(BlobUpload.sha256 == sha, BlobUpload.device_id == device.id))


def receive_blob(device: Device, sha: str, stream, content_type: str, kind: str,
                 first: int, last: int, total: int) -> Upload:
    """Take bytes `first`..`last` of a blob of `total` bytes from `stream`; keep what arrives,
    and store the blob once its last byte is in and its SHA-256 matches. Commits.

    Raises SyncError: 409 offset_mismatch (the server holds fewer bytes than `first`; its
    offset is in the error), 400 incomplete_upload (the request was cut off: what came is
    kept), 400 hash_mismatch (the whole blob does not match its name: nothing is kept, the
    tablet starts again), 413 too_large, 415 unsupported_type.
    """
    content_type = check_type(content_type, kind)
    limit = blob_limit()
    if total > limit:
        raise SyncError(413, "too_large", f"A blob holds at most {limit} bytes.")
    if blob_stored(sha):
        _drain(stream)
        return Upload(complete=True, created=False, offset=total)
    row = db.session.get(BlobUpload, (sha, device.id))
    held = row.data if row is not None and row.total == total and row.content_type == content_type else b""
    if first > len(held):
        raise SyncError(409, "offset_mismatch", "The server holds fewer bytes; resume from its offset.",
                        {"Content-Range": f"resume from byte {len(held)}", "offset": str(len(held))})
    received = bytearray()
    need = last - first + 1
    cut = False
    try:
        while len(received) < need:
            piece = stream.read(min(READ_PIECE, need - len(received)))
            if not piece:
                raise ClientDisconnected()
            received += piece
    except (ClientDisconnected, OSError):
        cut = True  # the link cut the request off: keep what came, the next try sends the rest
    data = held[:first] + bytes(received)
    check_magic(data[:12], content_type)
    if cut or len(data) < total:
        if data != held:
            _save_partial(device, sha, kind, content_type, total, data)
        if cut:
            raise SyncError(400, "incomplete_upload", "The upload was cut off; resume from the offset.",
                            {"offset": str(len(data))})
        return Upload(complete=False, offset=len(data))
    if hashlib.sha256(data).hexdigest() != sha:
        if row is not None:
            _drop_partial(device, sha)
            db.session.commit()
        raise SyncError(400, "hash_mismatch", "The bytes do not match their SHA-256; nothing was stored.",
                        {"sha256": "does not match the body"})
    if row is not None:
        _drop_partial(device, sha)
    created = store_blob(device, sha, data, content_type, kind)  # commits, with the partial's deletion
    return Upload(complete=True, created=created, offset=total)


def _drain(stream) -> None:
    try:
        while stream.read(READ_PIECE):
            pass
    except (ClientDisconnected, OSError):
        pass
