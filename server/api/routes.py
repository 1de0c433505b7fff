"""The sync API routes (sync/PROTOCOL.md): parse, call one operation, answer."""
from __future__ import annotations

import gzip
import re
import zlib
from datetime import datetime, timedelta, timezone

from flask import current_app, g, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.exceptions import HTTPException

from sync.rules import SUPPORTED_PROTOCOLS, format_time

from .. import jsoncodec
from ..errors import error_body, http_error_code
from ..extensions import db
from ..nik import parse_nik
from . import bp
from .blobs import store_blob
from .common import MAX_BATCH_BYTES, MAX_JSON_DEPTH, SyncError, json_depth_error
from .devices import device_for_token, enroll_device
from .guests import find_returning_guest
from .ingest import ingest_batch
from .pull import DEFAULT_LIMIT, MAX_LIMIT, pull_changes
from .survey_links import create_survey_link

SHA_RE = re.compile(r"^[0-9a-f]{64}\Z")  # \Z: "$" would let a final newline in
# A tablet's last pull is saved at most this often (unless its outbox size changed).
PULL_STATE_EVERY = timedelta(seconds=30)
GZIP_MIN_BYTES = 512
# A JSON escape of a UTF-16 surrogate half: the body needs a closer look (see json_body).


# --- request plumbing ----------------------------------------------------------------------

def server_time() -> str:
    return format_time(datetime.now(timezone.utc))


def answer(data: dict, status: int = 200):
    """Return a compact JSON response carrying the server time (keys unsorted: pages are big)."""
    data = dict(data, server_time=server_time())
    return current_app.response_class(jsoncodec.dumps(data), status=status, mimetype="application/json")


def read_body(limit: int) -> bytes:
    """Return the request body, gunzipped when sent compressed; 413 beyond `limit` bytes."""
    raw = request.get_data(cache=True)
    encoding = (request.headers.get("Content-Encoding") or "").strip().lower()
    if encoding in ("", "identity"):
        data = raw
    elif encoding == "gzip":
        data = _gunzip(raw, limit)
    else:
        raise SyncError(415, "unsupported_type", "Only gzip request bodies are understood.",
                        {"Content-Encoding": "use gzip or nothing"})
    if len(data) > limit:
        raise SyncError(413, "too_large", f"The body is over {limit} bytes.")
    return data


def _gunzip(raw: bytes, limit: int) -> bytes:
    """Return the gunzipped body (gzip members one after another, RFC 1952); 400 for a cut-off
    or corrupt stream or for bytes after the last member, so nothing half-read is stored."""
    data, rest = b"", raw
    try:
        while True:
            decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
            data += decoder.decompress(rest, limit + 1 - len(data))
            if len(data) > limit:
                return data  # the caller answers 413
            if not decoder.eof:
                raise SyncError(400, "invalid_request", "The gzip body is cut off.",
                                {"body": "incomplete gzip stream"})
            rest = decoder.unused_data
            if not rest:
                return data
            if not rest.startswith(b"\x1f\x8b"):
                raise SyncError(400, "invalid_request", "The gzip body has data after its end.",
                                {"body": "trailing data after the gzip stream"})
    except zlib.error:
        raise SyncError(400, "invalid_request", "The body is not valid gzip.", {"body": "bad gzip"}) from None


def json_body(limit: int = MAX_BATCH_BYTES) -> dict:
    """Return the request's JSON object (400 invalid_json when it is not one)."""
    data = read_body(limit)
    try:
        # orjson refuses NaN and Infinity (PostgreSQL's json type would too), a lone surrogate
        # (it cannot be stored as UTF-8; an escaped emoji pair is fine) and deep nesting.
        body = jsoncodec.loads(data)
    except jsoncodec.JSONDecodeError as exc:
        if "surrogate" in str(exc):
            raise SyncError(400, "invalid_json", "The body holds invalid Unicode (a lone surrogate).",
                            {"body": "invalid Unicode"}) from None
        raise SyncError(400, "invalid_json", "The body is not JSON.", {"body": "not JSON"}) from None
    if not isinstance(body, dict):
        raise SyncError(400, "invalid_request", "The body must be a JSON object.", {"body": "must be an object"})
    deep = json_depth_error(body)
    if deep:
        raise SyncError(400, "invalid_json", f"The body is nested deeper than {MAX_JSON_DEPTH} levels.",
                        {deep[:200]: f"nested deeper than {MAX_JSON_DEPTH} levels"})
    # PostgreSQL text cannot hold U+0000: refuse it here, not crash later. JSON can only carry
    # it escaped, so a body without that escape needs no walk through its values.
    if b"\\u0000" in data and _has_nul(body):
        raise SyncError(400, "invalid_json", "The body holds a NUL character (\\u0000).",
                        {"body": "no \\u0000 allowed"})
    return body


def _has_nul(value) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def require_protocol(body: dict | None = None) -> None:
    """Check the X-Sitamu-Protocol header: 400 when missing or not a number, 426 when the
    version is not supported; a `protocol` in the body must agree with it."""
    value = (request.headers.get("X-Sitamu-Protocol") or "").strip()
    if not value:
        raise SyncError(400, "invalid_request", "Name the protocol version in X-Sitamu-Protocol.",
                        {"X-Sitamu-Protocol": "required"})
    if not value.isdigit() or len(value) > 6:
        raise SyncError(400, "invalid_request", "X-Sitamu-Protocol must be a version number.",
                        {"X-Sitamu-Protocol": "must be a number"})
    if int(value) not in SUPPORTED_PROTOCOLS:
        raise SyncError(426, "upgrade_required",
                        "This protocol version is not supported; update the desk app.",
                        {"X-Sitamu-Protocol": f"supported: {', '.join(map(str, SUPPORTED_PROTOCOLS))}"})
    if body is not None and "protocol" in body and (isinstance(body["protocol"], bool)
                                                    or body["protocol"] != int(value)):
        raise SyncError(400, "invalid_request", "The body's protocol differs from X-Sitamu-Protocol.",
                        {"protocol": "must match X-Sitamu-Protocol"})


def current_device(defer_pending: bool = False):
    """Return the device of the bearer token; 401 when unknown or revoked.

    The tablet's outbox size (X-Sitamu-Pending) is saved with the request; with
    `defer_pending` it is left in `g.pending_reported` for the route to save in its own
    write of the device row (one UPDATE instead of two on the busiest routes)."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    device = device_for_token(token)
    if device is None or device.revoked:
        raise SyncError(401, "unauthorized", "This tablet is not enrolled (or was revoked).")
    g.device_id = device.id
    pending = request.headers.get("X-Sitamu-Pending", "")
    g.pending_reported = int(pending) if pending.isdigit() and len(pending) <= 9 else None
    if g.pending_reported is not None and not defer_pending:
        # The tablet's outbox size, so admins see a queue that stalls.
        device.pending_reported = g.pending_reported
    return device


@bp.errorhandler(SyncError)
def _sync_error(exc: SyncError):
    db.session.rollback()
    response = jsonify(dict(error_body(exc.code, exc.message, exc.fields), server_time=server_time()))
    response.status_code = exc.status
    response.headers.update(exc.headers)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="sitamu"'
    return response


@bp.errorhandler(413)
def _too_large(exc):
    return _sync_error(SyncError(413, "too_large", "The request body is too large."))


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    if exc.code == 429:
        raise exc  # the app's rate-limit handler answers with Retry-After
    response = jsonify(dict(error_body(http_error_code(exc), exc.description or exc.name),
                            server_time=server_time()))
    response.status_code = exc.code or 500
    if getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


@bp.after_app_request
def _server_time_and_gzip(response):
    # An app-wide hook: a URL or method no route under /api/v1 takes (404, 405), and the app's
    # own 413, 429 and 500 answers, never reach the blueprint's hooks and handlers.
    if request.path != bp.url_prefix and not request.path.startswith(bp.url_prefix + "/"):
        return response
    now = server_time()
    response.headers["X-Server-Time"] = now
    if response.status_code >= 400 and response.mimetype == "application/json" and not response.direct_passthrough:
        try:
            body = jsoncodec.loads(response.get_data())
        except jsoncodec.JSONDecodeError:
            body = None
        if isinstance(body, dict) and "server_time" not in body:
            response.set_data(jsoncodec.dumps(dict(body, server_time=now)))
    if (response.status_code >= 200 and "gzip" in (request.headers.get("Accept-Encoding") or "").lower()
            and not response.direct_passthrough and "Content-Encoding" not in response.headers
            and response.mimetype == "application/json"):
        data = response.get_data()
        if len(data) >= GZIP_MIN_BYTES:
            # Big pull pages: the fastest level; small answers: a better ratio costs nothing.
            response.set_data(gzip.compress(data, compresslevel=1 if len(data) > 256 * 1024 else 6))
            response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


# --- endpoints -----------------------------------------------------------------------------

class EnrollSchema(Schema):
    protocol = fields.Integer(load_default=None, strict=True)
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    device_name = fields.String(load_default="", validate=validate.Length(max=120))
    app_version = fields.String(load_default="", validate=validate.Length(max=32))


class SurveyLinkSchema(Schema):
    protocol = fields.Integer(load_default=None, strict=True)
    visit_id = fields.UUID(required=True)


# Why a typed NIK is refused, in words that never repeat it (server/nik.py has the rules).
NIK_PROBLEMS = {"digits": "a NIK holds digits only", "length": "a NIK has 16 digits",
                "province": "unknown province code", "date": "the birth date in it is not a date",
                "serial": "the serial cannot be 0000"}


def _valid_nik(value: str) -> None:
    parsed = parse_nik(value)
    if not parsed.ok:
        raise ValidationError(NIK_PROBLEMS[parsed.errors[0]])


class GuestLookupSchema(Schema):
    protocol = fields.Integer(load_default=None, strict=True)
    # Only a KTP has a lookup hash (sync/PROTOCOL.md, "Returning guests").
    id_type = fields.String(load_default="ktp", validate=validate.OneOf(
        ["ktp"], error="only a KTP number (NIK) can be looked up"))
    id_number = fields.String(required=True, validate=[validate.Length(max=40), _valid_nik])


def load(schema: Schema, body: dict) -> dict:
    try:
        return schema.load(body, unknown="exclude")
    except ValidationError as exc:
        flat = {k: " ".join(v) if isinstance(v, list) else str(v) for k, v in exc.messages.items()}
        raise SyncError(400, "invalid_request", "Some fields are not valid.", flat) from None


@bp.post("/enroll")
def enroll():
    """Exchange a one-time enrolment code for a device token."""
    from ..security import lockout

    body = json_body(16 * 1024)
    require_protocol(body)
    data = load(EnrollSchema(), body)
    key = request.remote_addr or "?"
    if lockout().is_locked("enroll", key):
        raise SyncError(429, "rate_limited", "Too many wrong codes; try again later.",
                        headers={"Retry-After": str(lockout().retry_after("enroll", key))})
    try:
        device, token = enroll_device(data["code"], data["device_name"], data["app_version"])
    except SyncError:
        db.session.rollback()
        lockout().failure("enroll", key)
        raise
    office = device.office
    return answer({"token": token, "device": {
        "uid": device.uid, "letter": device.letter, "name": device.name,
        "office": {"code": office.code, "name": office.name, "timezone": office.timezone}}}, 201)


@bp.post("/push")
def push():
    """Store a batch of events and survey responses; answer with the acknowledgement."""
    if (request.content_length or 0) > MAX_BATCH_BYTES:
        raise SyncError(413, "too_large", "The batch is over 2 MiB; split it.")
    body = json_body(MAX_BATCH_BYTES)
    require_protocol(body)
    device = current_device(defer_pending=True)
    office = body.get("office")
    if office is not None and not isinstance(office, str):
        raise SyncError(400, "invalid_request", "office must be an office code.", {"office": "must be a string"})
    result = ingest_batch(device, body.get("events", []), body.get("surveys", []), office_code=office,
                          pending=g.pending_reported)
    return answer(result)


@bp.get("/pull")
def pull():
    """Return the next page of changes for the tablet's office."""
    require_protocol()
    device = current_device(defer_pending=True)
    cursor = request.args.get("cursor", "")
    try:
        limit = int(request.args.get("limit", DEFAULT_LIMIT))
    except ValueError:
        raise SyncError(400, "invalid_request", "limit must be a number.", {"limit": "must be a number"}) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise SyncError(400, "invalid_request", "limit out of range.", {"limit": f"1 to {MAX_LIMIT}"})
    result = pull_changes(device, cursor, limit)
    now = datetime.now(timezone.utc)
    pending_changed = g.pending_reported is not None and g.pending_reported != device.pending_reported
    if pending_changed or device.last_pull_at is None or now - device.last_pull_at >= PULL_STATE_EVERY:
        device.last_pull_at = device.last_seen_at = now
        device.pull_cursor = result["cursor"][:64]
        if g.pending_reported is not None:
            device.pending_reported = g.pending_reported
        db.session.commit()
    else:
        db.session.rollback()  # nothing to write: a tablet polling every few seconds costs no UPDATE
    return answer(result)


@bp.route("/blobs/<sha>", methods=["PUT", "HEAD"])
def blob(sha: str):
    """Upload a photo or signature by its SHA-256, whole or from an offset (PUT), or ask
    whether it is stored and how many bytes of it this tablet has sent (HEAD)."""
    from .uploads import blob_limit, blob_stored, held_offset, parse_range, receive_blob

    require_protocol()
    device = current_device()
    if not SHA_RE.match(sha):
        raise SyncError(400, "invalid_request", "The name must be a lowercase SHA-256.", {"sha256": "64 hex digits"})
    if request.method == "HEAD":
        if blob_stored(sha):
            return answer({}, 200)
        response = answer({}, 404)
        response.headers["Upload-Offset"] = str(held_offset(device, sha))
        return response
    limit = blob_limit()
    if (request.content_length or 0) > limit:
        raise SyncError(413, "too_large", f"A blob holds at most {limit} bytes.")
    kind = request.args.get("kind", "photo")
    content_type = request.headers.get("Content-Type", "")
    if (request.headers.get("Content-Encoding") or "identity").strip().lower() != "identity":
        # A compressed body cannot be resumed: it is taken whole, as before.
        created = store_blob(device, sha, read_body(limit), content_type, kind)
        return answer({"sha256": sha, "stored": created}, 201 if created else 200)
    first, last, total = parse_range(request.headers.get("Content-Range"), request.content_length)
    try:
        upload = receive_blob(device, sha, request.stream, content_type, kind, first, last, total)
    except SyncError as exc:
        if exc.code not in ("offset_mismatch", "incomplete_upload"):
            raise
        response = _sync_error(exc)
        response.headers["Upload-Offset"] = exc.fields["offset"]
        return response
    if not upload.complete:
        response = answer({"sha256": sha, "stored": False, "offset": upload.offset}, 202)
    else:
        response = answer({"sha256": sha, "stored": upload.created}, 201 if upload.created else 200)
    response.headers["Upload-Offset"] = str(upload.offset)
    return response


@bp.post("/survey-links")
def survey_link():
    """Make a one-time SKM survey link for a visit (shown to the guest as a QR)."""
    body = json_body(16 * 1024)
    require_protocol(body)
    device = current_device()
    data = load(SurveyLinkSchema(), body)
    token, url, expires_at = create_survey_link(device, str(data["visit_id"]))
    return answer({"url": url, "expires_at": format_time(expires_at)}, 201)


@bp.post("/guests/lookup")
def guest_lookup():
    """Find a returning guest of the tablet's office by NIK; answer the fields to fill the form."""
    body = json_body(16 * 1024)
    require_protocol(body)
    device = current_device()
    data = load(GuestLookupSchema(), body)
    guest = find_returning_guest(device, data["id_number"])
    return answer({"found": True, "guest": guest} if guest else {"found": False})


@bp.get("/time")
def clock():
    """Return the server time (the tablet estimates its clock offset from it)."""
    return answer({})


@bp.get("/openapi.json")
def openapi():
    """Return the OpenAPI 3 description of this API."""
    from .openapi import document

    return jsonify(document())
