"""Phone-survey links (sync/PROTOCOL.md, "Survey links"): the one-time links the server makes
for a tablet (`create_survey_link`), the links a tablet mints itself offline, their redemption
(`find_survey_link`, `redeem_survey_link`) and the SKM step a phone answer completes.

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
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sync.rules import format_time

from ..extensions import db
from ..models import Device, Office, SurveyLink, SurveyResponse, Visit, VisitEvent
from .common import SyncError, dialect_insert, lock_visits, sha256_hex, utcnow
from .derive import derive_and_store
from .events import event_row
from .surveys import survey_row, validate_survey

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
    key = survey_step_key(visit)
    if key is None or ((visit.state or {}).get("steps") or {}).get(key):
        return False
    event = {"id": str(uuid.uuid4()), "visit_id": visit.id, "seq": 1, "kind": "step_done", "step": key,
             "actor": "guest", "device_time": format_time(now),
             "clock_offset_ms": 0, "payload": {}}
    row, _ = event_row(event, None, visit.office_id, now)
    dialect = db.session.get_bind().dialect.name
    db.session.execute(dialect_insert(VisitEvent.__table__, dialect), [row])
    derive_and_store({visit.id}, visit.office_id, dialect, now)
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


SURVEY_LINK_TTL = timedelta(hours=24)


def create_survey_link(device: Device, visit_id: str) -> tuple[str, str, datetime]:
    """Create a one-time survey link for a visit of the device's office; return
    (token, url, expires_at). The token is shown once and stored only as its SHA-256. Commits."""
    visit = db.session.get(Visit, visit_id) if isinstance(visit_id, str) else None
    if visit is None:
        raise SyncError(404, "not_found", "No such visit on the server yet; push it first.",
                        {"visit_id": "unknown visit"})
    if visit.office_id != device.office_id:
        raise SyncError(403, "forbidden", "The visit belongs to another office.",
                        {"visit_id": "another office's visit"})
    token = secrets.token_urlsafe(24)
    expires_at = utcnow() + SURVEY_LINK_TTL
    db.session.add(SurveyLink(office_id=visit.office_id, visit_id=visit.id, device_id=device.id,
                              token_hash=sha256_hex(token), expires_at=expires_at))
    db.session.commit()
    base = current_app.config.get("SITAMU_PUBLIC_URL", "").rstrip("/")
    return token, f"{base}/p/survey/{token}", expires_at


def find_survey_link(token: str) -> SurveyLink | None:
    """Return the usable (unused, unexpired) link for `token`, or None. A link the tablet
    minted itself (server/api/survey_links.py) is an unsaved SurveyLink until it is answered."""
    if not isinstance(token, str) or not 10 <= len(token) <= 120:
        return None
    link = db.session.scalar(select(SurveyLink).where(SurveyLink.token_hash == sha256_hex(token)))
    if link is None:
        link = _minted_link(token, utcnow())
    if link is None or link.used_at is not None or link.expires_at < utcnow():
        return None
    return link


def _minted_link(token: str, now: datetime) -> SurveyLink | None:
    """Return an unsaved link for a valid minted token whose visit (known yet or not) is of the
    tablet's office and has no response, else None."""
    minted = parse_minted(token, now) if is_minted(token) else None
    if minted is None:
        return None
    visit_office = db.session.scalar(select(Visit.office_id).where(Visit.id == minted.visit_id))
    if visit_office is not None and visit_office != minted.device.office_id:
        return None
    if db.session.scalar(select(func.count()).select_from(SurveyResponse).where(
            SurveyResponse.visit_id == minted.visit_id)):
        return None
    return SurveyLink(office_id=minted.device.office_id, visit_id=minted.visit_id, device_id=minted.device.id,
                      token_hash=sha256_hex(token), expires_at=minted.expires_at, created_at=now)


def redeem_survey_link(token: str, answers: dict, profile: dict | None = None,
                       saran: str = "") -> SurveyResponse:
    """Store the survey answered through a one-time link, spend the link and complete the
    visit's SKM step. Commits.

    `answers` is {element key: 1-4 or None}; `profile` {gender, age_band, education,
    occupation}. A link the tablet minted offline works before its visit reached the server:
    the response is kept and attached (host or service, SKM step) when the visit arrives.
    Raises SyncError: 404 `invalid_link` (unknown, used, expired or forged), 400
    `invalid_request` with `fields` for bad answers, 409 `conflict` when the visit already has
    a response.
    """
    now = utcnow()
    survey = {"id": str(uuid.uuid4()), "visit_id": None, "submitted_at": format_time(now),
              "source": "phone", "answers": answers, "profile": profile or {}, "saran": saran or ""}
    errors = validate_survey(survey)
    if errors:
        raise SyncError(400, "invalid_request", "The answers are not valid.", errors)
    link = db.session.scalar(select(SurveyLink).where(
        SurveyLink.token_hash == sha256_hex(token or "")).with_for_update()) if token else None
    if link is None and isinstance(token, str):
        link = _minted_link(token, now)
        if link is not None:
            db.session.add(link)
    if link is None or link.used_at is not None or link.expires_at < now:
        db.session.rollback()
        raise SyncError(404, "invalid_link", "This survey link is unknown, used or expired.")
    link.used_at = now
    try:
        # Spend the link first: a second answer through it fails here, and on SQLite this
        # takes the write lock, so the visit read below cannot be created meanwhile by a push.
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise SyncError(404, "invalid_link", "This survey link is unknown, used or expired.") from None
    lock_visits({link.visit_id})  # a push creating this visit waits, or has finished
    visit = db.session.get(Visit, link.visit_id)
    if visit is not None and visit.office_id != link.office_id:
        db.session.rollback()
        raise SyncError(404, "invalid_link", "This survey link is unknown, used or expired.")
    survey.update(visit_id=link.visit_id, service_id=visit.service_id if visit else None,
                  host_id=visit.host_id if visit else None)
    if db.session.scalar(select(func.count()).select_from(SurveyResponse).where(
            SurveyResponse.visit_id == link.visit_id)):
        db.session.rollback()
        raise SyncError(409, "conflict", "This visit already has a survey response.")
    response = SurveyResponse(**survey_row(survey, link.office_id, None, now))
    db.session.add(response)
    link.response_id = response.id
    try:
        db.session.flush()
    except IntegrityError:  # answered a moment ago through another link of the same visit
        db.session.rollback()
        raise SyncError(409, "conflict", "This visit already has a survey response.") from None
    if visit is not None:
        complete_survey_step(visit, now)
    db.session.commit()
    return response
