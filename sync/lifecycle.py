"""Reading a stored visit's lifecycle: the one reader the server's pages and the reports share.

`derive_visit` (sync/rules.py; sync/PROTOCOL.md, "The visit lifecycle") keeps the lifecycle in
the derived visit, which the server stores as `Visit.state`. A visit derived before those keys
existed (a purged visit the lifecycle migration could not derive again) has only its older
columns; the fallback reads the same answers from them, in the protocol's order: a turned-away
host, then a screening refusal, then a cancellation decide before a check-out.

Both functions take the stored state and the visit's columns (an ORM row or any object with
the Visit column names as attributes; a missing one reads as empty) and return plain data,
times as aware UTC datetimes.
"""
from __future__ import annotations

from datetime import datetime, timezone

from .rules import CUSTODY_ITEMS, ID_TYPES, parse_time

# Where a guest whose visit has no outcome is, by the stage of a row without a lifecycle.
STAGE_LOCATION = {
    "registered": "desk", "verified": "desk", "host_notified": "desk", "host_received": "desk",
    "admitted": "with_host", "finished": "finished",
}
# state["returned"] flags of an old check-out, by custody item.
CHECKOUT_FLAGS = {"card": "card_returned", "id_document": "ktp_returned", "locker": "locker_returned"}


def as_time(value) -> datetime | None:
    """Return a stored time as an aware UTC datetime (a naive one is UTC), or None."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return parse_time(value)


def _column(row, name: str):
    return getattr(row, name, None)


def has_lifecycle(state: dict | None) -> bool:
    """Return True if the stored state was derived with the lifecycle (it has an outcome key)."""
    return bool(state) and "outcome" in state


def read_lifecycle(state: dict | None, row) -> dict:
    """Return where a visit is and how it ended: status, location, location_at, outcome,
    outcome_reason, outcome_at, arrived_at, by_appointment and on_site.

    `state` is the stored derived visit, `row` the visit's columns (stage, screening,
    unavailable_reason, cancel_reason, consent_at, registered_at, checked_out_at), read only
    when the state has no lifecycle."""
    state = state or {}
    registered = as_time(_column(row, "registered_at"))
    if has_lifecycle(state):
        outcome = state.get("outcome")
        location = state.get("location") or ("left" if outcome else "desk")
        return {"status": state.get("status") or outcome or location, "location": location,
                "location_at": as_time(state.get("location_at")), "outcome": outcome,
                "outcome_reason": (state.get("outcome_reason") or "").strip(),
                "outcome_at": as_time(state.get("outcome_at")),
                "arrived_at": as_time(state.get("arrived_at")) or registered,
                "by_appointment": bool(state.get("by_appointment")), "on_site": outcome is None}
    consent = as_time(_column(row, "consent_at"))
    arrived = min(t for t in (consent, registered) if t is not None) if (consent or registered) else None
    stage = _column(row, "stage") or ""
    checked_out = as_time(_column(row, "checked_out_at"))
    unavailable = (_column(row, "unavailable_reason") or "").strip()
    if stage == "cancelled":
        outcome, reason, at = "cancelled", (_column(row, "cancel_reason") or "").strip(), \
            as_time(state.get("cancelled_at"))
    elif stage == "refused" or _column(row, "screening") == "refused":
        outcome, reason, at = "refused", "", checked_out
    elif unavailable or stage == "host_unavailable":
        outcome, reason, at = "turned_away", unavailable, checked_out
    elif stage == "checked_out" or checked_out:
        outcome, reason, at = "checked_out", "", checked_out
    else:
        outcome, reason, at = None, "", None
    location = "left" if outcome else STAGE_LOCATION.get(stage, "desk")
    return {"status": outcome or location, "location": location, "location_at": None,
            "outcome": outcome, "outcome_reason": reason, "outcome_at": at, "arrived_at": arrived,
            "by_appointment": False, "on_site": outcome is None}


def read_custody(state: dict | None, row) -> tuple[dict, list[str]]:
    """Return what the desk holds or held for the guest, {item: {issued_at, returned_at, ...}},
    and the items not given back.

    Without a lifecycle in the state, the ledger is read from the columns card_number,
    ktp_held, id_type, locker_number and checked_out_at: issue times unknown, returned at the
    check-out unless the check-out said the item was kept."""
    state = state or {}
    if has_lifecycle(state):
        custody = {item: {**held, "issued_at": as_time(held.get("issued_at")),
                          "returned_at": as_time(held.get("returned_at"))}
                   for item, held in (state.get("custody") or {}).items()}
        return custody, list(state.get("custody_outstanding") or [])
    returned = state.get("returned") or {}
    checked_out = as_time(_column(row, "checked_out_at"))
    custody = {}
    if _column(row, "card_number"):
        custody["card"] = {"number": _column(row, "card_number")}
    if _column(row, "ktp_held"):
        kind = _column(row, "id_type")
        custody["id_document"] = {"type": kind if kind in ID_TYPES else "ktp"}
    if _column(row, "locker_number"):
        custody["locker"] = {"number": _column(row, "locker_number"), "items": ""}
    for item, held in custody.items():
        back = checked_out is not None and returned.get(CHECKOUT_FLAGS[item], True)
        held.update(issued_at=None, returned_at=checked_out if back else None)
    outstanding = [item for item in CUSTODY_ITEMS if item in custody and custody[item]["returned_at"] is None]
    return custody, outstanding
