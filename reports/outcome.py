"""How a visit ended and when the guest arrived, as the reports read them.

The visit lifecycle (sync/PROTOCOL.md) keeps `outcome`, `outcome_reason`, `outcome_at`,
`arrived_at` and `by_appointment` in each derived visit (`Visit.state`). Rows derived before
those keys existed are read from the older columns instead (stage, screening,
unavailable_reason, cancel_reason, consent_at), so every report reads one accessor: the
staff pages' own reader, `sync.lifecycle`.
"""
from dataclasses import dataclass
from datetime import datetime

from sync.lifecycle import read_lifecycle

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


def visit_lifecycle(row) -> Lifecycle:
    """Return how a visit ended and when its guest arrived.

    `row` has the Visit columns state, stage, screening, unavailable_reason, cancel_reason,
    consent_at, registered_at and checked_out_at (an ORM object or a selected row); the reading
    is `sync.lifecycle.read_lifecycle`, the same as the staff pages'."""
    life = read_lifecycle(getattr(row, "state", None), row)
    return Lifecycle(life["outcome"], life["outcome_reason"], life["outcome_at"], life["arrived_at"],
                     life["by_appointment"])
