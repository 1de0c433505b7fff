"""The sync rules: event kinds, payload validation, and the pure function that turns a
visit's events into its current state (see sync/PROTOCOL.md).

Everything here takes plain data (the JSON shapes of the protocol) and returns plain data,
so the server, the Python client, the tests and the desk app's JavaScript port
(pwa/, tested against sync/test_vectors/derive.json) all apply the same rules.

`derive_visit(events)` depends only on the *set* of events: any order, any duplicates give
the same visit. Stages only move forward (a visit takes the highest-ranked stage any of its
events reaches); registration fields are the registration's, overridden field by field by
corrections, last writer wins by corrected time with the event id as tie-break.

`walk_steps(steps, visit)` reads a derived visit against its SOP steps (template data):
the current step, the steps done, when each started. Its JavaScript port is pwa/sop.js `walk`,
tested against sync/test_vectors/walk.json. Unlike the stage, the walk may go back: a branch
whose `goto` is an earlier step (Kalbar's "service not sufficient: back to the officer")
opens that step again.
"""
from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from functools import lru_cache

PROTOCOL_VERSION = 1
SUPPORTED_PROTOCOLS = (1,)
SKEW_LIMIT_MS = 5 * 60 * 1000  # clock offsets beyond this are flagged

# Stages in the order a visit moves through them; a visit never moves back.
STAGES = (
    "registered",      # the guest filled in the guest book
    "verified",        # the desk checked the data against the ID card
    "host_notified",   # the host or their aide was contacted
    "host_received",   # the host agreed to receive the guest
    "admitted",        # the guest went in
    "finished",        # the service or meeting ended
    "host_unavailable",  # the host could not receive; the guest was told why
    "checked_out",     # the guest left and returned card / KTP / locker key
    "refused",         # security screening refused entry
    "cancelled",       # the visit was cancelled
)
STAGE_RANK = {stage: rank for rank, stage in enumerate(STAGES)}
# A visit in one of these stages has an outcome: the guest is no longer on site.
FINAL_STAGES = ("host_unavailable", "checked_out", "refused", "cancelled")

# Where a guest on site is, in SOP order (the visit's `location` while it has no outcome).
LOCATIONS = ("desk", "waiting", "screening", "with_host", "finished")
# How a visit ended (its `outcome`); None while the guest is on site.
OUTCOMES = ("checked_out", "turned_away", "refused", "cancelled")
# What the desk can hold for a guest: the guest card, the identity document, the locker key.
CUSTODY_ITEMS = ("card", "id_document", "locker")
# The derived fields of the lifecycle (every screen shows these; tablets get them by pull).
LIFECYCLE_KEYS = ("arrived_at", "location", "location_at", "outcome", "outcome_reason", "outcome_at",
                  "status", "custody", "custody_outstanding", "skipped", "time_limit_reminded",
                  "by_appointment", "appointment_id", "cancelled_at")

ID_TYPES = ("ktp", "sim", "passport", "other")
CHANNELS = ("phone", "aiphone", "app", "in_person")
# \Z, not $: "$" also matches before a final newline ("guest\n" would pass).
ACTOR_RE = re.compile(r"^(guest|system|staff:\d{1,12}|host:\d{1,12})\Z")
SHA_RE = re.compile(r"^[0-9a-f]{64}\Z")
STEP_RE = re.compile(r"^[a-z0-9_]{1,64}\Z")

# Registration fields a correction may change, with their maximum lengths.
REGISTRATION_TEXT = {
    "queue_number": 16, "name": 160, "institution": 200, "address": 1000, "purpose": 2000,
    "phone": 32, "id_number": 32, "consent_version": 32,
}
CORRECTABLE = ("id_type", "id_number", "name", "phone", "institution", "address", "purpose",
               "host_id", "service_id")


class _Field:
    """A payload field: its type check and whether it is required."""

    def __init__(self, check, required=False):
        self.check, self.required = check, required


def _text(max_len, allow_empty=True):
    def check(value):
        if not isinstance(value, str):
            return "must be a string"
        if len(value) > max_len:
            return f"at most {max_len} characters"
        if not allow_empty and not value.strip():
            return "must not be empty"
        return None
    return check


# Control characters and line separators: a one-line field (a queue number, a name) may end
# up in an e-mail header or a file name, where a line break starts a new header.
CONTROL_RE = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def _line(max_len, allow_empty=True):
    """Like _text, for a one-line field: no line breaks or other control characters."""
    text = _text(max_len, allow_empty)

    def check(value):
        error = text(value)
        if error is None and CONTROL_RE.search(value):
            return "must be one line, without control characters"
        return error
    return check


# Registration fields that are one line (the rest, address and purpose, may have several).
ONE_LINE = ("queue_number", "name", "phone", "id_number", "institution", "consent_version")


def _bool(value):
    return None if isinstance(value, bool) else "must be true or false"


def _int_range(lo, hi):
    def check(value):
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be an integer"
        if not lo <= value <= hi:
            return f"must be between {lo} and {hi}"
        return None
    return check


def _choice(choices):
    def check(value):
        return None if value in choices else "must be one of " + ", ".join(choices)
    return check


def _optional_id(value):
    if value is None:
        return None
    return _int_range(1, 2**53)(value)


def _sha(value):
    if value is None:
        return None
    return None if isinstance(value, str) and SHA_RE.match(value) else "must be a SHA-256 hex string"


def _time(value):
    if value is None:
        return None
    return None if parse_time(value) is not None else "must be an ISO 8601 UTC time"


def _optional_uuid(value):
    if value is None:
        return None
    # Lower case, with dashes: the form the server keeps, so one appointment has one spelling.
    return None if _is_uuid(value) and str(uuid.UUID(value)) == value else "must be a UUID (lower case)"


def _field_list(value):
    if not isinstance(value, list) or not all(isinstance(v, str) and v in CORRECTABLE for v in value):
        return "must be a list of field names: " + ", ".join(CORRECTABLE)
    return None


def _item_list(value):
    if (not isinstance(value, list) or not value
            or not all(isinstance(v, str) and v in CUSTODY_ITEMS for v in value)):
        return "must be a non-empty list of: " + ", ".join(CUSTODY_ITEMS)
    return None


def _corrections(value):
    """Check a correction's fields; each wrong one is named by its own path (a dict of errors)."""
    if not isinstance(value, dict) or not value:
        return "must be a non-empty object of field: value"
    errors = {name: "cannot be corrected" if name not in CORRECTABLE else _check_registration_field(name, new)
              for name, new in value.items()}
    return {name: why for name, why in errors.items() if why} or None


def _check_registration_field(name, value):
    if name == "id_type":
        return _choice(ID_TYPES)(value)
    if name in ("host_id", "service_id"):
        return _optional_id(value)
    if name in ("name",):
        return _line(REGISTRATION_TEXT[name], allow_empty=False)(value)
    if name in ONE_LINE:
        return _line(REGISTRATION_TEXT[name])(value)
    return _text(REGISTRATION_TEXT[name])(value)


REGISTRATION = {
    "queue_number": _Field(_line(16), required=True),
    "id_type": _Field(_choice(ID_TYPES), required=True),
    "id_number": _Field(_line(32)),
    "name": _Field(_line(160, allow_empty=False), required=True),
    "phone": _Field(_line(32)),
    "institution": _Field(_line(200)),
    "address": _Field(_text(1000)),
    "purpose": _Field(_text(2000)),
    "host_id": _Field(_optional_id),
    "service_id": _Field(_optional_id),
    "photo_sha": _Field(_sha),
    "signature_sha": _Field(_sha),
    "consent_version": _Field(_line(32)),
    "consent_at": _Field(_time),
    # The appointment the guest checked in with at the desk (sync/PROTOCOL.md, "Appointments").
    "appointment_id": _Field(_optional_uuid),
}

# Each event kind and the fields its payload may hold.
EVENT_KINDS: dict[str, dict[str, _Field]] = {
    "registration": REGISTRATION,
    "verification": {"ok": _Field(_bool, required=True), "fields": _Field(_field_list)},
    "correction": {"fields": _Field(_corrections, required=True)},
    "host_notified": {"channel": _Field(_choice(CHANNELS))},
    "host_received": {"by": _Field(_text(120))},
    "host_unavailable": {"reason": _Field(_text(300, allow_empty=False), required=True)},
    "arrived": {"queue_number": _Field(_line(16))},
    "card_issued": {"card_number": _Field(_line(16)), "ktp_held": _Field(_bool),
                    "id_held": _Field(_choice(ID_TYPES + ("",)))},
    "locker": {"locker_number": _Field(_line(16), required=True), "items": _Field(_text(200))},
    "waiting": {},
    "screening": {"result": _Field(_choice(("clear", "refused")), required=True),
                  "note": _Field(_text(300))},
    "admitted": {"time_limit_minutes": _Field(_int_range(1, 24 * 60)), "reminded": _Field(_bool)},
    "service_feedback": {"sufficient": _Field(_bool, required=True), "need": _Field(_text(2000))},
    "finished": {},
    "checked_out": {"card_returned": _Field(_bool), "ktp_returned": _Field(_bool),
                    "locker_returned": _Field(_bool)},
    "cancelled": {"reason": _Field(_text(300))},
    "returned": {"items": _Field(_item_list, required=True)},
    "step_done": {},
    "step_skipped": {"reason": _Field(_text(300))},
}

# The payload values that decide which SOP branch a step took: a template branch's `on` names
# the event kind and some of these. derive_visit keeps them with each step's last completion.
OUTCOME_FIELDS = {"verification": ("ok",), "screening": ("result",), "service_feedback": ("sufficient",)}

# The stage an event kind moves the visit to (at least).
KIND_STAGE = {
    "registration": "registered",
    "host_notified": "host_notified",
    "host_received": "host_received",
    "host_unavailable": "host_unavailable",
    "admitted": "admitted",
    "finished": "finished",
    "checked_out": "checked_out",
    "cancelled": "cancelled",
}

# The check-out flags that return a custody item (an absent flag returns it too).
CHECKOUT_RETURNS = {"card_returned": "card", "ktp_returned": "id_document", "locker_returned": "locker"}

# Where an event puts the guest (the latest such event in time order decides; a loop back of
# the SOP, "service not sufficient: back to the officer", takes the guest back to the host).
KIND_LOCATION = {
    "arrived": "desk", "registration": "desk", "waiting": "waiting", "locker": "screening",
    "admitted": "with_host", "finished": "finished",
}

EVENT_KEYS = ("id", "visit_id", "seq", "kind", "actor", "step", "device_time", "clock_offset_ms",
              "payload")


# --- time ------------------------------------------------------------------------------

def parse_time(value) -> datetime | None:
    """Return an aware UTC datetime from an ISO 8601 string, or None if it is not one."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        return None
    return _parse_time(value)


@lru_cache(maxsize=65536)  # a push parses each event's time several times (validate, store, derive)
def _parse_time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    if not 2000 <= parsed.year <= 2200:
        return None
    return parsed.astimezone(timezone.utc)


@lru_cache(maxsize=65536)
def format_time(value: datetime | None) -> str | None:
    """Return a UTC time as ISO 8601 with milliseconds and a Z, as the protocol writes it."""
    if value is None:
        return None
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def corrected_time(event: dict) -> datetime:
    """Return the event's time on the server clock: device time minus the clock offset."""
    return parse_time(event["device_time"]) - timedelta(milliseconds=event.get("clock_offset_ms") or 0)


def skew_flagged(event: dict) -> bool:
    return abs(event.get("clock_offset_ms") or 0) > SKEW_LIMIT_MS


# --- validation --------------------------------------------------------------------------

def _is_uuid(value) -> bool:
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def validate_event(event) -> dict[str, str]:
    """Return {field path: why} for everything wrong with an event; empty when it is valid."""
    if not isinstance(event, dict):
        return {"": "an event must be an object"}
    errors: dict[str, str] = {}
    for key in ("id", "visit_id"):
        if not _is_uuid(event.get(key)):
            errors[key] = "must be a UUID"
    seq = event.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= 2**53:
        errors["seq"] = "must be an integer of at least 1"
    if parse_time(event.get("device_time")) is None:
        errors["device_time"] = "must be an ISO 8601 UTC time"
    offset = event.get("clock_offset_ms", 0)
    if isinstance(offset, bool) or not isinstance(offset, int) or abs(offset) > 10 * 365 * 86400_000:
        errors["clock_offset_ms"] = "must be an integer number of milliseconds"
    actor = event.get("actor", "guest")
    if not isinstance(actor, str) or not ACTOR_RE.match(actor):
        errors["actor"] = "must be guest, system, staff:<id> or host:<id>"
    step = event.get("step")
    if step is not None and (not isinstance(step, str) or not STEP_RE.match(step)):
        errors["step"] = "must be a step key (a-z, 0-9, _)"
    unknown = set(event) - set(EVENT_KEYS)
    for key in sorted(unknown):
        errors[key] = "unknown field"
    kind = event.get("kind")
    if kind not in EVENT_KINDS:
        errors["kind"] = "unknown event kind"
        return errors
    payload = event.get("payload", {})
    if not isinstance(payload, dict):
        errors["payload"] = "must be an object"
        return errors
    spec = EVENT_KINDS[kind]
    for name, field in spec.items():
        if name not in payload or payload[name] is None and not field.required:
            if field.required:
                errors[f"payload.{name}"] = "is required"
            continue
        error = field.check(payload[name])
        if isinstance(error, dict):  # an object's check names its own wrong members
            errors.update({f"payload.{name}.{member}": why for member, why in error.items()})
        elif error:
            errors[f"payload.{name}"] = error
    for name in sorted(set(payload) - set(spec)):
        errors[f"payload.{name}"] = "unknown field"
    if kind == "registration" and not errors:
        if payload.get("id_type") == "ktp" and payload.get("id_number"):
            if not re.fullmatch(r"\d{16}", payload["id_number"]):
                errors["payload.id_number"] = "a NIK has 16 digits"
    if kind in ("step_done", "step_skipped") and not step:
        errors["step"] = f"is required for {kind}"
    return errors


def canonical_event(event: dict) -> dict:
    """Return the event reduced to its protocol fields in a normal form (times with ms)."""
    return {
        "id": event["id"], "visit_id": event["visit_id"], "seq": event.get("seq"),
        "kind": event["kind"], "actor": event.get("actor", "guest"), "step": event.get("step") or "",
        "device_time": format_time(parse_time(event["device_time"])),
        "clock_offset_ms": event.get("clock_offset_ms") or 0,
        "payload": event.get("payload") or {},
    }


def content_hash(event: dict, canonical: bool = False) -> str:
    """Return the SHA-256 of the canonical event: equal for a re-send, different for a conflict.

    Pass canonical=True when `event` already is canonical_event's output."""
    body = json.dumps(event if canonical else canonical_event(event), sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


# --- derivation --------------------------------------------------------------------------

def _order_key(event: dict):
    return (corrected_time(event), event["id"])


def derive_visit(events) -> dict:
    """Return the visit the events describe; the same set in any order gives the same visit.

    The events must be valid (validate_event) and belong to one visit. Duplicates (same id)
    are counted once; if two events share an id but differ, the one with the smaller
    content hash is kept, so even a conflict resolves the same way everywhere.
    """
    unique: dict[str, dict] = {}
    for event in events:
        kept = unique.get(event["id"])
        if kept is None or (kept is not event and content_hash(event) < content_hash(kept)):
            unique[event["id"]] = event
    ordered = sorted(unique.values(), key=_order_key)
    visit: dict = {
        "id": ordered[0]["visit_id"] if ordered else None,
        "stage": "registered", "has_registration": False,
        "queue_number": "", "id_type": "ktp", "id_number": "", "name": "", "phone": "",
        "institution": "", "address": "", "purpose": "", "host_id": None, "service_id": None,
        "photo_sha": None, "signature_sha": None, "consent_version": "", "consent_at": None,
        "verified": None, "fields_to_correct": [], "corrections": {},
        "card_number": "", "ktp_held": False, "locker_number": "", "screening": "",
        "unavailable_reason": "", "cancel_reason": "", "time_limit_minutes": None,
        "feedback": None, "returned": {}, "notify_channel": "",
        "registered_at": None, "verified_at": None, "host_notified_at": None,
        "host_received_at": None, "admitted_at": None, "finished_at": None,
        "checked_out_at": None, "cancelled_at": None, "last_event_at": None,
        "steps": {}, "step_last": {}, "event_count": len(ordered), "skew_flagged": False,
        # The lifecycle (sync/PROTOCOL.md, "The visit lifecycle").
        "arrived_at": None, "location": "desk", "location_at": None,
        "outcome": None, "outcome_reason": "", "outcome_at": None, "status": "desk",
        "custody": {}, "custody_outstanding": [], "skipped": [], "time_limit_reminded": False,
        "by_appointment": False, "appointment_id": None,
    }
    rank = STAGE_RANK["registered"]
    registration_seen = False
    corrected_fields: dict[str, tuple] = {}  # name -> (corrected time, value)
    verification_time = ""

    decision = None  # (outcome, reason, time) of the first event that ended the visit
    returned_items: dict[str, str] = {}  # custody item -> when it was (first) returned

    def first(name, when):
        if visit[name] is None:
            visit[name] = when

    def decide(outcome, reason, when):
        nonlocal decision
        if decision is None:
            decision = (outcome, reason, when)

    def issue(item, when, **fields):
        held = visit["custody"].setdefault(item, {"issued_at": when})
        held.update(fields)

    def give_back(item, when):
        returned_items.setdefault(item, when)

    for event in ordered:
        kind, payload = event["kind"], event.get("payload") or {}
        when = format_time(corrected_time(event))
        visit["last_event_at"] = when
        if skew_flagged(event):
            visit["skew_flagged"] = True
        if visit["arrived_at"] is None and kind in ("arrived", "registration"):
            # The guest arrived when the first of these happened: the lobby's "tamu tiba" tap,
            # or the opening of the guest book (consent) when the registration says so.
            consent = parse_time(payload.get("consent_at")) if kind == "registration" else None
            visit["arrived_at"] = min(when, format_time(consent)) if consent else when
        location = KIND_LOCATION.get(kind)
        if kind == "screening" and payload.get("result") == "clear":
            location = "screening"
        elif kind == "service_feedback":
            location = "finished" if payload.get("sufficient") else "with_host"
        if location is not None:
            visit["location"], visit["location_at"] = location, when
        if event.get("step"):
            visit["steps"].setdefault(event["step"], when)
            # Events are in time order, so the last one written is the step's latest round.
            visit["step_last"][event["step"]] = {
                "at": when, "kind": kind,
                **{name: payload[name] for name in OUTCOME_FIELDS.get(kind, ()) if name in payload}}
        stage = KIND_STAGE.get(kind)
        if kind == "registration":
            if registration_seen:
                continue  # the earliest registration is the visit's; later ones are ignored
            registration_seen = True
            visit["has_registration"] = True
            for name in REGISTRATION:
                if name in payload and payload[name] is not None:
                    visit[name] = payload[name]
            visit["registered_at"] = when
            visit["by_appointment"] = visit["appointment_id"] is not None
        elif kind == "verification":
            visit["verified"] = bool(payload["ok"])
            visit["fields_to_correct"] = sorted(payload.get("fields") or [])
            verification_time = when
            if payload["ok"]:
                stage = "verified"
                first("verified_at", when)
        elif kind == "correction":
            for name, value in payload["fields"].items():
                corrected_fields[name] = (when, value)
        elif kind == "host_notified":
            visit["notify_channel"] = payload.get("channel") or visit["notify_channel"]
            first("host_notified_at", when)
        elif kind == "host_received":
            first("host_received_at", when)
        elif kind == "host_unavailable":
            visit["unavailable_reason"] = payload["reason"]
            decide("turned_away", payload["reason"], when)
        elif kind == "arrived":
            if payload.get("queue_number") and not visit["queue_number"]:
                visit["queue_number"] = payload["queue_number"]
        elif kind == "card_issued":
            if "card_number" in payload:
                visit["card_number"] = payload["card_number"] or ""
                if visit["card_number"]:
                    issue("card", when, number=visit["card_number"])
            held = payload.get("id_held")
            if held is None and payload.get("ktp_held") is not None:
                held = "ktp" if payload["ktp_held"] else ""
            if held is not None:
                visit["ktp_held"] = bool(held)
                if held:
                    issue("id_document", when, type=held)
        elif kind == "locker":
            visit["locker_number"] = payload["locker_number"]
            if payload["locker_number"]:
                issue("locker", when, number=payload["locker_number"], items=payload.get("items") or "")
        elif kind == "screening":
            # A refusal stands: a later "clear" does not undo it.
            if visit["screening"] != "refused":
                visit["screening"] = payload["result"]
            if payload["result"] == "refused":
                stage = "refused"
                decide("refused", payload.get("note") or "", when)
        elif kind == "admitted":
            first("admitted_at", when)
            if payload.get("time_limit_minutes") is not None:
                visit["time_limit_minutes"] = payload["time_limit_minutes"]
            if payload.get("reminded"):
                visit["time_limit_reminded"] = True
        elif kind == "service_feedback":
            visit["feedback"] = {"sufficient": payload["sufficient"], "need": payload.get("need") or ""}
        elif kind == "finished":
            first("finished_at", when)
        elif kind == "checked_out":
            first("checked_out_at", when)
            for key, item in CHECKOUT_RETURNS.items():
                if key in payload:
                    visit["returned"][key] = bool(payload[key])
                # A check-out returns everything it does not name as kept (false).
                if payload.get(key) is None or payload[key]:
                    give_back(item, when)
        elif kind == "returned":
            for item in payload["items"]:
                give_back(item, when)
        elif kind == "step_skipped":
            if event["step"] not in visit["skipped"]:
                visit["skipped"].append(event["step"])
        elif kind == "cancelled":
            visit["cancel_reason"] = payload.get("reason") or ""
            first("cancelled_at", when)
            decide("cancelled", visit["cancel_reason"], when)
        if stage is not None and STAGE_RANK[stage] > rank:
            rank = STAGE_RANK[stage]
    for name, (_, value) in corrected_fields.items():
        visit[name] = value
        visit["corrections"][name] = corrected_fields[name][0]
    if visit["verified"] is False:
        # A correction made after the failed check answers it; the desk verifies again.
        visit["fields_to_correct"] = [f for f in visit["fields_to_correct"]
                                      if visit["corrections"].get(f, "") < verification_time]
    visit["stage"] = STAGES[rank]
    if decision is None and visit["checked_out_at"]:
        decision = ("checked_out", "", visit["checked_out_at"])
    if decision is not None:
        visit["outcome"], visit["outcome_reason"], visit["outcome_at"] = decision
        visit["location"], visit["location_at"] = "left", decision[2]
    for item, held in visit["custody"].items():
        held["returned_at"] = returned_items.get(item)
    visit["custody_outstanding"] = [item for item in CUSTODY_ITEMS
                                    if item in visit["custody"] and item not in returned_items]
    visit["skipped"].sort()
    visit["status"] = visit["outcome"] or visit["location"]
    visit["on_site"] = visit["outcome"] is None
    return visit


# --- appointments ---------------------------------------------------------------------------

def first_checkin(checkins) -> str | None:
    """Return the visit id that keeps an appointment several visits checked in with, or None.

    `checkins` are `{"visit_id", "registered_at"}` (a derived visit's registration time, the
    corrected time): the earliest registration keeps the appointment, a tie goes to the smaller
    visit id; a visit without a registration time comes after every one with it. The answer
    depends only on the set of check-ins (any order, any duplicates); the other visits are the
    duplicates (`appointment_duplicate`). JavaScript port: pwa/derive.js `firstCheckin`, tested
    against sync/test_vectors/first_checkin.json.
    """
    best = None
    for checkin in checkins:
        when = parse_time(checkin.get("registered_at"))
        key = (when is None, when or datetime.min.replace(tzinfo=timezone.utc), str(checkin["visit_id"]))
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


# --- the SOP walk ----------------------------------------------------------------------------

def _takes(branch: dict, completion: dict) -> bool:
    """Return True when a step's completion (kind and outcome values) is what the branch is on."""
    return all(completion.get(name) == value for name, value in (branch.get("on") or {}).items())


def walk_steps(steps: list[dict], visit: dict) -> dict:
    """Return where a visit stands in its SOP: {"current", "done", "started"}.

    `steps` are one tier's template steps in order (dicts with `key`, `event`, and optionally
    `marker`, `optional`, `branches`); `visit` is derive_visit's result (or a pulled visit's
    state). `current` is the key of the step to do now, or None; `done` maps each step that
    counts as done to the completion that counts; `started` maps the done steps and the current
    one to when they started (their latest round).

    A step is done by its last completion (`step_last`). The branch a step took is the first
    of its branches whose `on` matches that completion. A branch back (goto at or before the
    step) opens the goto step through the branching step again: each is done only by a
    completion after the branching, and the goto step starts at the branching. A branch forward
    makes its goto step due (even an optional one) from the branching, and passes over the
    steps in between; a goto of None passes over all the steps after. A branch taken in an
    earlier round of a loop no longer counts. Markers are never current; an optional step is
    current only when a branch made it due, or (templates without that branch) when it is the
    correction a failed check asks for. A visit with an outcome has no current step, except the
    check-out step a refused guest is sent to (to return the card) until the check-out.
    """
    keys = [step["key"] for step in steps]
    index = {key: n for n, key in enumerate(keys)}
    recorded, first = visit.get("step_last") or {}, visit.get("steps") or {}
    last: dict[str, dict] = {}
    for key in keys:
        if recorded.get(key):
            last[key] = recorded[key]
        elif first.get(key):
            last[key] = {"at": first[key]}  # a visit derived before step_last was kept
    due: dict[str, str] = {}
    passed: set[str] = set()
    # Latest completion first, so a loop back undoes the branches of the rounds before it.
    for at, n in sorted(((last[key]["at"], index[key]) for key in last), reverse=True):
        step = steps[n]
        if at <= due.get(step["key"], ""):
            continue
        branch = next((b for b in step.get("branches") or []
                       if (b.get("goto") is None or b["goto"] in index) and _takes(b, last[step["key"]])), None)
        if branch is None:
            continue
        target = len(keys) if branch.get("goto") is None else index[branch["goto"]]
        if target <= n:
            for key in keys[target:n + 1]:
                due[key] = max(due.get(key, ""), at)
        else:
            if target < len(keys):
                due[keys[target]] = max(due.get(keys[target], ""), at)
            passed.update(keys[n + 1:target])
    correcting = visit.get("verified") is False and bool(visit.get("fields_to_correct"))
    done: dict[str, str] = {}
    started: dict[str, str | None] = {}
    current = None
    clock = visit.get("registered_at") or None  # the latest completion of the steps so far
    for step in steps:
        key = step["key"]
        kind = step.get("event") or step.get("kind")
        completion = last.get(key)
        begin = clock
        if due.get(key) and (begin is None or due[key] > begin):
            begin = due[key]
        if completion and completion["at"] > due.get(key, ""):
            done[key] = completion["at"]
        elif (kind == "registration" and visit.get("has_registration") is not False
              and (visit.get("registered_at") or visit.get("queue_number"))):
            done[key] = visit.get("registered_at") or ""
        if key in done:
            started[key] = begin
        elif (current is None and not step.get("marker") and key not in passed
              and (not step.get("optional") or key in due or (kind == "correction" and correcting))):
            current = key
            started[key] = begin
        if completion and (clock is None or completion["at"] > clock):
            clock = completion["at"]
    outcome = visit.get("outcome")
    if outcome and not (outcome == "refused" and current is not None
                        and steps[index[current]].get("event") == "checked_out"
                        and not visit.get("checked_out_at")):
        # A visit that ended has nothing left to do, except the card a refused guest returns
        # on the template's way out (Tanjabbar: the metal detector's refusal -> kembalikan_kartu).
        if current is not None:
            started.pop(current, None)
        current = None
    return {"current": current, "done": done, "started": started}


def mask_id_number(value: str | None) -> str:
    """Return an identity number as every page, PDF, export and tablet shows it: only its
    last 4 characters (the NIK's serial), the rest as "•"; a 16-digit NIK in groups of four
    ("•••• •••• •••• 0001"). Spaces, dots and hyphens are dropped first. Why 4: docs/privacy.md;
    the same cases in sync/test_vectors/mask.json are checked against pwa/nik.js maskNik."""
    compact = re.sub(r"[\s.\-]", "", str(value or ""))
    if not compact:
        return ""
    if len(compact) == 16 and compact.isascii() and compact.isdigit():
        return "•••• •••• •••• " + compact[12:]
    keep = 4 if len(compact) >= 8 else 2 if len(compact) >= 5 else 0
    return "•" * (len(compact) - keep) + compact[len(compact) - keep:]
