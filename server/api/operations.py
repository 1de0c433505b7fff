"""Sync operations: what the API routes, the CLI, the admin pages and the demo loader call.

Each concern has its module in server/api/; this module gathers their public functions under
one name (sync/PROTOCOL.md, "Server-side operations"). Each commits its own transaction
unless said otherwise:

- `ingest.py`: `ingest_batch(device, events, surveys) -> dict` stores a push (sync/PROTOCOL.md,
  "Push") and returns the acknowledgement. Callable without HTTP (the demo loader uses it).
- `devices.py`: `create_enrollment_code(office, user, device_name) -> (code, expires_at)`, a
  one-time code; `enrollment_qr_svg(code) -> str`, an SVG QR (segno) of the desk app's enrol URL
  with the code; `enroll_device(code, device_name, app_version) -> (device, token)` exchanges a
  code; `revoke_device(device, user)`: the token stops working at the next request.
- `events.py`: `record_server_event(visit, kind, payload, actor) -> VisitEvent`, an event made
  on the server (the host inbox answering `host_received` / `host_unavailable`); it re-derives
  the visit and reaches the tablets through pull. `derive.py` derives and stores visits.
- `quarantine.py`: `replay_quarantine(item, fixed_payload, user) -> dict` stores a corrected
  quarantined record (the whole record, e.g. the event dict) through the same path as a push
  and returns the ack; `dismiss_quarantine(item, user)` closes one without storing it;
  `quarantine_record(item) -> dict` is the record with its personal fields decrypted, for the
  admin page that shows and edits it.
- `survey_links.py`: `create_survey_link(device, visit_id) -> (token, url, expires_at)`,
  `find_survey_link(token)` and `redeem_survey_link(token, answers, profile, saran)`.
- `surveys.py`: `validate_survey(survey) -> {field: why}` and the stored row of a response.
- `blobs.py`: `store_blob(device, sha, data, content_type, kind) -> bool`, a photo or signature.
- `guests.py`: `find_returning_guest(device, nik) -> dict | None`, the form fields of a returning
  guest's latest visit at the device's office (no phone, no NIK); audited when found.
- `sealing.py`: NIK and phone encrypted inside stored JSON (`seal_payload`, `unseal_payload`).
- `common.py`: `SyncError` (becomes the API's error envelope), the push limits, shared helpers.
"""
from .blobs import BLOB_KINDS, BLOB_TYPES, blob_exists, store_blob
from .common import MAX_BATCH_BYTES, MAX_BATCH_RECORDS, MAX_JSON_DEPTH, SyncError, json_depth_error, utcnow
from .derive import derive_and_store, load_events
from .devices import (
    create_enrollment_code,
    device_for_token,
    enroll_device,
    enrollment_qr_svg,
    enrollment_url,
    revoke_device,
)
from .events import record_server_event
from .guests import RETURNING_GUEST_FIELDS, find_returning_guest
from .ingest import ingest_batch
from .quarantine import dismiss_quarantine, quarantine_record, replay_quarantine
from .sealing import seal_payload, unseal_payload
from .survey_links import SURVEY_LINK_TTL, create_survey_link, find_survey_link, redeem_survey_link
from .surveys import SURVEY_PROFILE, SURVEY_SOURCES, survey_row, validate_survey

_survey_row = survey_row  # the name the phone-survey page imports (server/public)

__all__ = [
    "BLOB_KINDS", "BLOB_TYPES", "MAX_BATCH_BYTES", "MAX_BATCH_RECORDS", "MAX_JSON_DEPTH", "RETURNING_GUEST_FIELDS",
    "SURVEY_LINK_TTL", "SURVEY_PROFILE", "SURVEY_SOURCES", "SyncError", "blob_exists", "create_enrollment_code",
    "create_survey_link", "derive_and_store", "device_for_token", "dismiss_quarantine", "enroll_device",
    "enrollment_qr_svg", "enrollment_url", "find_returning_guest", "find_survey_link", "ingest_batch",
    "json_depth_error", "load_events", "quarantine_record", "record_server_event", "redeem_survey_link",
    "replay_quarantine", "revoke_device", "seal_payload", "store_blob", "survey_row", "unseal_payload", "utcnow",
    "validate_survey",
]
