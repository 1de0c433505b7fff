"""The OpenAPI 3 document of the sync API, written by hand beside sync/PROTOCOL.md.

Kept accurate on purpose: schemathesis is run against it. Event payloads are described by
kind in sync/rules.py (EVENT_KINDS); here an event's payload is an object.
"""
from sync.rules import EVENT_KINDS, ID_TYPES

from ..models import ELEMENT_KEYS

UUID = {"type": "string", "format": "uuid", "minLength": 36, "maxLength": 36}
TIME = {"type": "string", "format": "date-time", "example": "2026-11-23T03:04:05.678Z"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": _ref("Error")}}}


PROTOCOL_HEADER = {"name": "X-Sitamu-Protocol", "in": "header", "required": True,
                   "description": "Protocol version; only 1 is supported (426 otherwise).",
                   "schema": {"type": "string", "enum": ["1"]}}

COMMON_ERRORS = {
    "400": _error("Not JSON, the wrong shape, or no X-Sitamu-Protocol (`invalid_json`, `invalid_request`)."),
    "401": _error("The device token is unknown or revoked (`unauthorized`)."),
    "426": _error("The protocol version is missing or not supported (`upgrade_required`)."),
}

SCHEMAS = {
    "Error": {
        "type": "object", "required": ["error", "server_time"],
        "properties": {
            "error": {"type": "object", "required": ["code", "message", "fields"], "properties": {
                "code": {"type": "string"}, "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}}}},
            "server_time": TIME},
    },
    "EnrollRequest": {
        "type": "object", "required": ["protocol", "code"],
        "properties": {"protocol": {"type": "integer", "enum": [1]},
                       "code": {"type": "string", "minLength": 1, "maxLength": 32, "example": "K7Q-4MX-92B"},
                       "device_name": {"type": "string", "maxLength": 120},
                       "app_version": {"type": "string", "maxLength": 32}},
    },
    "EnrollResponse": {
        "type": "object", "required": ["token", "device", "server_time"],
        "properties": {
            "token": {"type": "string", "description": "256 random bits; stored only as its SHA-256."},
            "device": {"type": "object", "required": ["uid", "letter", "name", "office"], "properties": {
                "uid": UUID, "letter": {"type": "string"}, "name": {"type": "string"},
                "office": {"type": "object", "properties": {
                    "code": {"type": "string"}, "name": {"type": "string"}, "timezone": {"type": "string"}}}}},
            "server_time": TIME},
    },
    "Event": {
        "type": "object", "required": ["id", "visit_id", "seq", "kind", "device_time", "payload"],
        "properties": {
            "id": UUID, "visit_id": UUID, "seq": {"type": "integer", "minimum": 1},
            "kind": {"type": "string", "enum": sorted(EVENT_KINDS)},
            "actor": {"type": "string", "example": "staff:3", "pattern": r"^(guest|system|staff:\d+|host:\d+)$"},
            "step": {"type": "string", "pattern": "^[a-z0-9_]{1,64}$"},
            "device_time": TIME, "clock_offset_ms": {"type": "integer"},
            "payload": {"type": "object", "description": "By kind; see sync/rules.py. Registration: "
                        "queue_number, id_type (" + ", ".join(ID_TYPES) + "), id_number, name, ..., "
                        "appointment_id (optional UUID: a check-in by appointment)"}},
    },
    "SurveyResponse": {
        "type": "object", "required": ["id", "submitted_at", "answers"],
        "properties": {
            "id": UUID, "visit_id": {**UUID, "nullable": True}, "submitted_at": TIME,
            "source": {"type": "string", "enum": ["kiosk", "phone", "paper"]},
            "answers": {"type": "object", "properties": {
                k: {"type": "integer", "minimum": 1, "maximum": 4, "nullable": True} for k in ELEMENT_KEYS}},
            "profile": {"type": "object", "properties": {
                "gender": {"type": "string", "enum": ["L", "P", ""]}, "age_band": {"type": "string"},
                "education": {"type": "string"}, "occupation": {"type": "string"}}},
            "service_id": {"type": "integer", "nullable": True}, "host_id": {"type": "integer", "nullable": True},
            "saran": {"type": "string", "maxLength": 4000}},
    },
    "PushRequest": {
        "type": "object",
        "properties": {"protocol": {"type": "integer", "enum": [1]},
                       "office": {"type": "string", "description": "Optional: the office code the tablet "
                                  "believes it belongs to (403 if not)."},
                       "events": {"type": "array", "items": {}, "description":
                                  "Event objects (#/components/schemas/Event). An item that is not a valid "
                                  "event is quarantined and named in the ack, never a reason to refuse the "
                                  "batch. Over 500 records in all: 413."},
                       "surveys": {"type": "array", "items": {}, "description":
                                   "Survey responses (#/components/schemas/SurveyResponse); invalid ones "
                                   "are quarantined like events."}},
    },
    "PushAck": {
        "type": "object", "required": ["ack", "acked_seq", "highest_seq", "server_time"],
        "properties": {
            "ack": {"type": "object", "required": ["stored", "duplicate", "quarantined", "conflict"], "properties": {
                "stored": {"type": "array", "items": {"type": "string"}},
                "duplicate": {"type": "array", "items": {"type": "string"}},
                "quarantined": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "string"}, "fields": {"type": "object"}}}},
                "conflict": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "string"}, "message": {"type": "string"}}}}}},
            "acked_seq": {"type": "integer"}, "highest_seq": {"type": "integer"}, "server_time": TIME},
    },
    "Change": {
        "type": "object", "required": ["entity", "id", "op"],
        "properties": {"entity": {"type": "string", "enum": ["office", "host", "service", "staff", "visit",
                                                              "survey_link", "appointment"]},
                       "id": {"type": "string"}, "op": {"type": "string", "enum": ["put", "delete"]},
                       "data": {"type": "object", "description": "By entity (sync/PROTOCOL.md, Pull); for "
                                "`appointment` see the Appointment schema; the `office` record carries "
                                "`ticket_public_key` (TicketPublicKey)."}},
    },
    "TicketPublicKey": {
        "type": "object", "description": "The office's ECDSA P-256 ticket key as a JWK (WebCrypto importKey "
        "\"jwk\"); verifies the IEEE P1363 signature of a ticket's QR text SITAMU1.<payload>.<signature>.",
        "required": ["kty", "crv", "x", "y"],
        "properties": {"kty": {"type": "string", "enum": ["EC"]}, "crv": {"type": "string", "enum": ["P-256"]},
                       "x": {"type": "string"}, "y": {"type": "string"}},
    },
    "Appointment": {
        "type": "object", "description": "An approved appointment of the next 7 days as a desk sees it (a "
        "tombstone when cancelled, declined, moved out of the window or purged); no NIK or phone.",
        "required": ["id", "code", "office_code", "date", "time", "queue", "status", "kind"],
        "properties": {
            "id": UUID, "code": {"type": "string", "pattern": "^[0-9A-F]{8}$"},
            "office_code": {"type": "string"}, "date": {"type": "string", "format": "date"},
            "time": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
            "queue": {"type": "string", "example": "J-007"},
            "service_id": {"type": "integer", "nullable": True}, "host_id": {"type": "integer", "nullable": True},
            "status": {"type": "string", "enum": ["approved", "rescheduled", "checked_in"]},
            "name": {"type": "string"}, "institution": {"type": "string"}, "purpose": {"type": "string"},
            "id_type": {"type": "string"}, "id_number_masked": {"type": "string"},
            "phone_masked": {"type": "string"}, "kind": {"type": "string", "enum": ["booking", "invitation"]},
            "group": {"type": "string", "nullable": True}},
    },
    "PullResponse": {
        "type": "object", "required": ["cursor", "more", "reset", "changes", "server_time"],
        "properties": {"cursor": {"type": "string"}, "more": {"type": "boolean"}, "reset": {"type": "boolean"},
                       "changes": {"type": "array", "items": _ref("Change")}, "server_time": TIME},
    },
    "BlobStored": {
        "type": "object", "required": ["sha256", "stored", "server_time"],
        "properties": {"sha256": {"type": "string"}, "stored": {"type": "boolean"}, "server_time": TIME},
    },
    "BlobPart": {
        "type": "object", "required": ["sha256", "stored", "offset", "server_time"],
        "properties": {"sha256": {"type": "string"}, "stored": {"type": "boolean", "enum": [False]},
                       "offset": {"type": "integer", "minimum": 1}, "server_time": TIME},
    },
    "SurveyLinkRequest": {
        "type": "object", "required": ["visit_id"],
        "properties": {"protocol": {"type": "integer", "enum": [1]}, "visit_id": UUID},
    },
    "SurveyLink": {
        "type": "object", "required": ["url", "expires_at", "server_time"],
        "properties": {"url": {"type": "string"}, "expires_at": TIME, "server_time": TIME},
    },
    "GuestLookupRequest": {
        "type": "object", "required": ["id_number"],
        "properties": {
            "protocol": {"type": "integer", "enum": [1]},
            "id_type": {"type": "string", "enum": ["ktp"], "default": "ktp",
                        "description": "Only a KTP has a lookup hash."},
            "id_number": {"type": "string", "maxLength": 40, "example": "6171014506900001",
                          "description": "The NIK: 16 digits (spaces, dots and dashes between groups "
                                         "are ignored), a known province, a real birth date, serial "
                                         "not 0000. Sent in the body, never in the URL."}},
    },
    "GuestLookup": {
        "type": "object", "required": ["found", "server_time"],
        "properties": {
            "found": {"type": "boolean"},
            "guest": {"type": "object", "description": "Present when found: the latest visit's fields "
                      "(never the phone, never the NIK).",
                      "required": ["id_type", "name", "institution", "address"],
                      "properties": {"id_type": {"type": "string", "enum": list(ID_TYPES)},
                                     "name": {"type": "string"}, "institution": {"type": "string"},
                                     "address": {"type": "string"}}},
            "server_time": TIME},
    },
    "Time": {"type": "object", "required": ["server_time"], "properties": {"server_time": TIME}},
}


def _json_body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}


def _ok(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


PENDING_HEADER = {"name": "X-Sitamu-Pending", "in": "header", "required": False,
                  "description": "How many records wait in the tablet's outbox (shown to admins).",
                  "schema": {"type": "string", "pattern": "^[0-9]{1,9}$"}}

UPLOAD_OFFSET = {"description": "Bytes of the blob the server holds from this tablet.",
                 "schema": {"type": "string", "pattern": "^[0-9]{1,9}$"}}

SHA_PARAM = {"name": "sha", "in": "path", "required": True,
             "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}


def document() -> dict:
    """Return the OpenAPI 3.0 document of /api/v1."""
    bearer = [{"device": []}]
    return {
        "openapi": "3.0.3",
        "info": {"title": "Sitamu sync API", "version": "1",
                 "description": "The protocol desk tablets speak; see sync/PROTOCOL.md. Every response "
                                "carries X-Server-Time; errors use one envelope."},
        "servers": [{"url": "/api/v1"}],
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "device": {"type": "http", "scheme": "bearer", "description": "The device token from /enroll."}}},
        "paths": {
            "/enroll": {"post": {
                "operationId": "enroll", "summary": "Exchange a one-time enrolment code for a device token.",
                "parameters": [PROTOCOL_HEADER],
                "requestBody": _json_body("EnrollRequest"),
                "responses": {"201": _ok("Enrolled.", "EnrollResponse"),
                              "400": _error("Bad body, no X-Sitamu-Protocol, or a wrong, used or expired code "
                                            "(`invalid_code`)."),
                              "413": _error("Body too large."),
                              "415": _error("Unsupported Content-Encoding."),
                              "426": COMMON_ERRORS["426"],
                              "429": _error("Too many attempts (`rate_limited`); see Retry-After.")}}},
            "/push": {"post": {
                "operationId": "push", "summary": "Store a batch of events and survey responses.",
                "security": bearer, "parameters": [PROTOCOL_HEADER, PENDING_HEADER],
                "requestBody": _json_body("PushRequest"),
                "responses": {"200": _ok("The acknowledgement: one outcome per record.", "PushAck"),
                              **COMMON_ERRORS,
                              "403": _error("The batch is for another office (`forbidden`)."),
                              "413": _error("Over 500 records or 2 MiB (`too_large`)."),
                              "415": _error("Unsupported Content-Encoding.")}}},
            "/pull": {"get": {
                "operationId": "pull", "summary": "Return the next page of changes for the tablet's office.",
                "security": bearer,
                "parameters": [PROTOCOL_HEADER, PENDING_HEADER,
                               {"name": "cursor", "in": "query", "required": False,
                                "description": "The last answer's cursor; empty starts a snapshot. Any cursor "
                                               "the server cannot read, of any length, answers `reset: true`.",
                                "schema": {"type": "string"}},
                               {"name": "limit", "in": "query", "required": False,
                                "schema": {"type": "integer", "minimum": 1, "maximum": 5000, "default": 500}}],
                "responses": {"200": _ok("A page of changes.", "PullResponse"), **COMMON_ERRORS}}},
            "/blobs/{sha}": {
                "put": {"operationId": "putBlob", "summary": "Upload a photo or signature named by its SHA-256.",
                        "security": bearer,
                        "description": "The whole blob, or a part of it from an offset (Content-Range), to "
                                       "resume an upload a weak link cut off (sync/PROTOCOL.md, \"Blobs\").",
                        "parameters": [PROTOCOL_HEADER, SHA_PARAM,
                                       {"name": "kind", "in": "query", "required": False,
                                        "schema": {"type": "string", "enum": ["photo", "signature"]}},
                                       {"name": "Content-Range", "in": "header", "required": False,
                                        "description": "The part sent: `bytes first-last/total`.",
                                        "schema": {"type": "string", "pattern": r"^bytes \d+-\d+/\d+$"}}],
                        "requestBody": {"required": True, "content": {
                            t: {"schema": {"type": "string", "format": "binary"}}
                            for t in ("image/jpeg", "image/png", "image/webp")}},
                        "responses": {"201": _ok("Stored: the last byte is in and the SHA-256 matches.", "BlobStored"),
                                      "200": _ok("Already stored (idempotent).", "BlobStored"),
                                      "202": {"description": "A part arrived; send the next from `offset`.",
                                              "headers": {"Upload-Offset": UPLOAD_OFFSET},
                                              "content": {"application/json": {"schema": {
                                                  "$ref": "#/components/schemas/BlobPart"}}}},
                                      **COMMON_ERRORS,
                                      "400": _error("Bad name or Content-Range, or the whole blob does not "
                                                    "match its SHA-256 (`hash_mismatch`: nothing kept)."),
                                      "409": {"description": "The part starts after the bytes the server holds "
                                                             "(`offset_mismatch`); send from Upload-Offset.",
                                              "headers": {"Upload-Offset": UPLOAD_OFFSET},
                                              "content": {"application/json": {"schema": {
                                                  "$ref": "#/components/schemas/Error"}}}},
                                      "411": _error("No Content-Length (`length_required`)."),
                                      "413": _error("Over 512 KiB (`too_large`)."),
                                      "415": _error("Not JPEG, PNG or WebP (`unsupported_type`).")}},
                "head": {"operationId": "headBlob",
                         "summary": "Tell whether a blob is stored, else how many bytes of it this tablet sent.",
                         "security": bearer, "parameters": [PROTOCOL_HEADER, SHA_PARAM],
                         "responses": {"200": {"description": "Stored."},
                                       "404": {"description": "Not stored; Upload-Offset: the bytes held.",
                                               "headers": {"Upload-Offset": UPLOAD_OFFSET}},
                                       "400": {"description": "Bad name."},
                                       "401": {"description": "Unknown or revoked token."},
                                       "426": {"description": "Unsupported protocol version."}}}},
            "/survey-links": {"post": {
                "operationId": "createSurveyLink", "summary": "Make a one-time SKM survey link for a visit.",
                "security": bearer, "parameters": [PROTOCOL_HEADER],
                "requestBody": _json_body("SurveyLinkRequest"),
                "responses": {"201": _ok("The link (valid 24 hours, once).", "SurveyLink"), **COMMON_ERRORS,
                              "403": _error("The visit belongs to another office."),
                              "404": _error("The visit is not on the server yet."),
                              "413": _error("Body too large."),
                              "415": _error("Unsupported Content-Encoding.")}}},
            "/guests/lookup": {"post": {
                "operationId": "lookupGuest",
                "summary": "Find a returning guest of the tablet's office by NIK (form fields, no phone).",
                "security": bearer, "parameters": [PROTOCOL_HEADER, PENDING_HEADER],
                "requestBody": _json_body("GuestLookupRequest"),
                "responses": {"200": _ok("Found (`found: true` with `guest`) or not (`found: false`).",
                                         "GuestLookup"),
                              **COMMON_ERRORS,
                              "400": _error("Not JSON, no X-Sitamu-Protocol, or not a valid NIK "
                                            "(`invalid_request`, field `id_number` or `id_type`)."),
                              "413": _error("Body too large."),
                              "415": _error("Unsupported Content-Encoding."),
                              "429": _error("Over 30 lookups a minute or 300 an hour from this tablet "
                                            "(`rate_limited`); see Retry-After.")}}},
            "/time": {"get": {"operationId": "time", "summary": "Return the server time.",
                              "responses": {"200": _ok("The server time.", "Time")}}},
            "/openapi.json": {"get": {"operationId": "openapi", "summary": "This document.",
                                      "responses": {"200": {"description": "OpenAPI 3 document.",
                                                            "content": {"application/json": {}}}}}},
        },
    }
