"""How a visit ended and when the guest arrived, as the reports read them.

The visit lifecycle (sync/PROTOCOL.md) keeps `outcome`, `outcome_reason`, `outcome_at`,
`arrived_at` and `by_appointment` in each derived visit (`Visit.state`). Rows derived before
those keys existed are read from the older columns instead (stage, screening,
unavailable_reason, cancel_reason, consent_at), so every report reads one accessor.
"""
from dataclasses import dataclass
from datetime import datetime, timezone

# The outcomes, in the order the register's summary lists them.
OUTCOMES = ("checked_out", "turned_away", "refused", "cancelled")
# Outcomes of a guest who never met the host: not counted as meetings.
NOT_MET = ("turned_away", "refused", "cancelled")
OUTCOME_LABELS = {
    "checked_out": "Selesai",
    "turned_away": "Tidak dapat ditemui",
    "refused": "Ditolak di pemeriksaan",
    "cancelled": "Dibatalkan",
    None: "Belum tercatat keluar",
}


@dataclass(frozen=True)
class Lifecycle:
    """A visit's ending and arrival."""

    outcome: str | None  # one of OUTCOMES, None while the guest is (or was last seen) on site
    reason: str  # the host-unavailable or cancel reason, or the screening note
    outcome_at: datetime | None
    arrived_at: datetime | None  # when the guest arrived: the start of registration
    by_appointment: bool

    @property
    def met(self) -> bool:
        """Return True unless the guest was turned away, refused or cancelled."""
        return self.outcome not in NOT_MET

    @property
    def note(self) -> str:
        """Return the register's Keterangan: how the visit ended, with its reason."""
        text = OUTCOME_LABELS.get(self.outcome, OUTCOME_LABELS[None])
        if self.reason and self.outcome in NOT_MET:
            text = f"{text}: {self.reason}"
        if self.by_appointment:
            text += "; datang dengan janji temu"
        return text


def _time(value) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def visit_lifecycle(row) -> Lifecycle:
    """Return how a visit ended and when its guest arrived.

    `row` has the Visit columns state, stage, screening, unavailable_reason, cancel_reason,
    consent_at, registered_at and checked_out_at (an ORM object or a selected row)."""
    state = getattr(row, "state", None) or {}
    registered = _time(getattr(row, "registered_at", None))
    if "outcome" in state:  # derived with the lifecycle
        arrived = _time(state.get("arrived_at")) or registered
        return Lifecycle(state.get("outcome"), (state.get("outcome_reason") or "").strip(),
                         _time(state.get("outcome_at")), arrived, bool(state.get("by_appointment")))
    # Derived before: the same answers from the older columns.
    consent = _time(getattr(row, "consent_at", None))
    arrived = min(t for t in (consent, registered) if t is not None) if (consent or registered) else None
    stage = getattr(row, "stage", "") or ""
    checked_out = _time(getattr(row, "checked_out_at", None))
    unavailable = (getattr(row, "unavailable_reason", "") or "").strip()
    if stage == "cancelled":
        outcome, reason, at = "cancelled", (getattr(row, "cancel_reason", "") or "").strip(), \
            _time(state.get("cancelled_at"))
    elif stage == "refused" or getattr(row, "screening", "") == "refused":
        outcome, reason, at = "refused", "", checked_out
    elif unavailable or stage == "host_unavailable":
        outcome, reason, at = "turned_away", unavailable, checked_out
    elif stage == "checked_out" or checked_out:
        outcome, reason, at = "checked_out", "", checked_out
    else:
        outcome, reason, at = None, "", None
    return Lifecycle(outcome, reason, at, arrived, False)
