"""Phone-survey links a tablet mints itself, offline, and the SKM step a phone answer completes
(sync/PROTOCOL.md, "Survey links").

A minted token reads `m.<device uid>.<visit id>.<expiry>.<signature>`: the uid and the visit id
as 32 hex digits (no dashes), the expiry in unix seconds written in base 36, and the signature
the first 16 bytes of HMAC-SHA256 over `sitamu-survey-1.<uid>.<visit>.<expiry>`, base64url
without padding. The key is the SHA-256 of the tablet's device token (the raw 32 bytes): the
tablet computes it from its token, the server keeps it as `Device.token_hash`. A revoked or
re-enrolled tablet's links stop working.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from ..extensions import db
from sync.rules import format_time

from ..models import Device, Office, SurveyResponse, Visit, VisitEvent

PREFIX = "m."
# A tablet with a wrong clock could mint links that never end: at most a week ahead is honoured.
MAX_AHEAD = timedelta(days=7)
TOKEN_RE = re.compile(r"^m\.([0-9a-f]{32})\.([0-9a-f]{32})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{22})\Z")


@dataclass
class MintedLink:
    device: Device
    visit_id: str
    expires_at: datetime


def _signature(key: bytes, uid: str, visit: str, expiry: str) -> str:
    message = f"sitamu-survey-1.{uid}.{visit}.{expiry}".encode()
    return base64.urlsafe_b64encode(hmac.new(key, message, hashlib.sha256).digest()[:16]).decode().rstrip("=")


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def mint_token(device_uid: str, token_hash: str, visit_id: str, expires_at: datetime) -> str:
    """Return the token a tablet mints for a visit (the server's copy, for tests and tools)."""
    uid, visit = device_uid.replace("-", "").lower(), visit_id.replace("-", "").lower()
    expiry = _base36(int(expires_at.timestamp()))
    return f"{PREFIX}{uid}.{visit}.{expiry}.{_signature(bytes.fromhex(token_hash), uid, visit, expiry)}"


def is_minted(token) -> bool:
    return isinstance(token, str) and token.startswith(PREFIX)


def parse_minted(token: str, now: datetime) -> MintedLink | None:
    """Return the link a minted token stands for, or None when it is malformed, forged, made
    by a tablet no longer enrolled, expired or dated too far ahead."""
    match = TOKEN_RE.match(token or "")
    if not match:
        return None
    uid, visit, expiry, signature = match.groups()
    device = db.session.scalar(select(Device).where(Device.uid == str(uuid.UUID(uid))))
    if device is None or device.revoked_at is not None or not device.token_hash:
        return None
    if not hmac.compare_digest(signature, _signature(bytes.fromhex(device.token_hash), uid, visit, expiry)):
        return None
    expires_at = datetime.fromtimestamp(int(expiry, 36), timezone.utc)
    if expires_at < now or expires_at > now + MAX_AHEAD:
        return None
    return MintedLink(device, str(uuid.UUID(visit)), expires_at)


def survey_step_key(visit: Visit) -> str | None:
    """Return the key of the SKM step of the visit's SOP walk, or None when it has none."""
    from ..sop import SopError, resolve_template, steps_for

    office = db.session.get(Office, visit.office_id)
    try:
        steps = steps_for(resolve_template(office), visit.tier)
    except SopError:
        return None
    return next((s["key"] for s in steps if s.get("survey")), None)


def complete_survey_step(visit: Visit, now: datetime) -> bool:
    """Record the visit's SKM step as done by the guest (as a kiosk survey does) unless it is;
    re-derive the visit. Return True when an event was written. Does not commit."""
    from .operations import _derive_and_store, _event_row, _insert

    key = survey_step_key(visit)
    if key is None or ((visit.state or {}).get("steps") or {}).get(key):
        return False
    event = {"id": str(uuid.uuid4()), "visit_id": visit.id, "seq": 1, "kind": "step_done", "step": key,
             "actor": "guest", "device_time": format_time(now),
             "clock_offset_ms": 0, "payload": {}}
    row, _ = _event_row(event, None, visit.office_id, now)
    dialect = db.session.get_bind().dialect.name
    db.session.execute(_insert(VisitEvent.__table__, dialect), [row])
    _derive_and_store({visit.id}, visit.office_id, dialect, now)
    return True


def attach_phone_surveys(visit_ids: set[str], office_id: int, now: datetime) -> None:
    """For visits the server has just learnt of, attach phone answers given before they
    synced: the response takes the visit's host or service and the SKM step is completed.
    Runs inside the push's transaction, with the visits locked; does not commit."""
    if not visit_ids:
        return
    responses = db.session.scalars(select(SurveyResponse).where(
        SurveyResponse.visit_id.in_(sorted(visit_ids)), SurveyResponse.source == "phone",
        SurveyResponse.office_id == office_id)).all()
    for response in responses:
        visit = db.session.get(Visit, response.visit_id)
        if visit is None or visit.office_id != office_id:
            continue
        db.session.refresh(visit)
        if response.host_id is None and response.service_id is None:
            response.host_id, response.service_id = visit.host_id, visit.service_id
        complete_survey_step(visit, now)
