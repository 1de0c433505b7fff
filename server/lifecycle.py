"""The visit lifecycle in words: the one place for the status, location, outcome and custody
labels every staff page shows, and a reader of a visit's lifecycle from its stored state.

The lifecycle itself is derived by `sync.rules.derive_visit` (sync/PROTOCOL.md, "The visit
lifecycle") and kept in `Visit.state`; pages never read the events their own way. Labels are
Indonesian source text, the same words as the desk app's (pwa/i18n, `status_*`), so the board,
the visit screen and these pages name a visit alike; the English comes from the translation
catalogs like every page string. The reading itself (with its fallback for old rows) is
`sync.lifecycle`, shared with the reports.
"""
from sqlalchemy import case, func

from sync.lifecycle import read_custody, read_lifecycle
from sync.rules import FINAL_STAGES, format_time, walk_steps

from . import sop
from .i18n import translate

# Where a guest on site is (`location`), in SOP order, then the outcomes: every `status`.
LOCATION_LABELS = {
    "desk": "Di meja penerima tamu",
    "waiting": "Di ruang tunggu",
    "screening": "Loker / pemeriksaan",
    "with_host": "Sedang bertemu",
    "finished": "Selesai bertemu",
}
OUTCOME_LABELS = {
    "checked_out": "Sudah pulang",
    "turned_away": "Tidak dapat ditemui",
    "refused": "Ditolak di pemeriksaan",
    "cancelled": "Dibatalkan",
}
LEFT_LABEL = "Sudah pulang"  # the location of a visit with an outcome
STATUS_LABELS = {**LOCATION_LABELS, **OUTCOME_LABELS}
STATUSES = tuple(STATUS_LABELS)
# What the desk holds for a guest, and the identity documents it may keep.
CUSTODY_LABELS = {"card": "Kartu tamu", "id_document": "Identitas", "locker": "Loker"}
ID_DOCUMENT_LABELS = {"ktp": "KTP", "sim": "SIM", "passport": "Paspor",
                      "other": "Tanda pengenal lain"}

# For a row stored before the lifecycle was kept (a purged visit the migration skipped): the
# status its stage stands for.
STAGE_STATUS = {
    "registered": "desk", "verified": "desk", "host_notified": "desk", "host_received": "desk",
    "admitted": "with_host", "finished": "finished", "host_unavailable": "turned_away",
    "checked_out": "checked_out", "refused": "refused", "cancelled": "cancelled",
}


class Lifecycle(dict):
    """A visit's lifecycle as the rules derived it, times as aware datetimes. Keys: status,
    location, outcome, outcome_reason, outcome_at, location_at, arrived_at, by_appointment,
    custody (item -> {issued_at, returned_at, number, type, items}), custody_outstanding,
    skipped, time_limit_reminded, time_limit_minutes, admitted_at, on_site; attribute access too."""

    __getattr__ = dict.get


def read(visit) -> Lifecycle:
    """Return the visit's lifecycle from its stored state (from its columns for a row stored
    before the lifecycle was kept), read by sync.lifecycle like the reports read it."""
    state = visit.state or {}
    custody, outstanding = read_custody(state, visit)
    life = Lifecycle(read_lifecycle(state, visit))
    life.update(custody=custody, custody_outstanding=outstanding,
                skipped=list(state.get("skipped") or []),
                time_limit_reminded=bool(state.get("time_limit_reminded")),
                time_limit_minutes=state.get("time_limit_minutes"),
                admitted_at=visit.admitted_at)
    return life


def status_column(model):
    """Return a SQL expression of a visit row's status (its stage's for rows without one)."""
    fallback = case(*((model.stage == stage, status) for stage, status in STAGE_STATUS.items()),
                    else_="desk")
    return func.coalesce(model.state["status"].as_string(), fallback)


def on_site_clause(model):
    """Return the SQL condition "the guest is on site": the visit has no outcome."""
    return model.stage.notin_(FINAL_STAGES)


def visit_steps(visit) -> list[dict]:
    """Return the steps of the visit's SOP (its tier's), or [] when the template is unknown."""
    try:
        return sop.steps_for(sop.resolve_template(visit.office), visit.tier or None)
    except sop.SopError:
        return []


def current_step(visit, steps: list[dict]) -> str | None:
    """Return the key of the step to do now, by the same walk as the desk tablets
    (sync.rules.walk_steps), or None when nothing is left (the visit ended)."""
    if not steps:
        return None
    state = visit.state or {}
    if "outcome" not in state and visit.stage in FINAL_STAGES:
        return None  # a row stored before the lifecycle was kept: its stage says it ended
    return walk_steps(steps, {**state, "registered_at": format_time(visit.registered_at),
                              "queue_number": visit.queue_number})["current"]


def step_of_kind(steps: list[dict], kind: str) -> str | None:
    """Return the key of the first step completed by an event of `kind` (the tier's meeting
    step for "finished": menghadap, bertemu, terima_layanan, beri_pelayanan), or None."""
    return next((step["key"] for step in steps if step.get("event") == kind), None)


def status_label(status: str | None) -> str:
    """Return a status (a location or an outcome) in words, in the page's language."""
    if status == "left":
        return translate(LEFT_LABEL)
    return translate(STATUS_LABELS.get(status or "", status or "–"))


def custody_label(item: str) -> str:
    """Return a custody item (card, id_document, locker) in words."""
    return translate(CUSTODY_LABELS.get(item, item))


def id_document_label(kind: str | None) -> str:
    """Return an identity document type (ktp, sim, passport, other) in words."""
    return translate(ID_DOCUMENT_LABELS.get(kind or "", kind or "–"))


def describe_item(item: str, held: dict) -> str:
    """Return one held item as the desk names it: "Kartu tamu 11", "Identitas: KTP",
    "Loker 4 (tas)"."""
    label = custody_label(item)
    if item == "id_document":
        return f"{label}: {id_document_label(held.get('type'))}"
    text = f"{label} {held['number']}" if held.get("number") else label
    return f"{text} ({held['items']})" if held.get("items") else text


def template_helpers() -> dict:
    """Return the lifecycle helpers for templates (a blueprint's context processor)."""
    return {"lifecycle": read, "status_label": status_label, "custody_label": custody_label,
            "id_document_label": id_document_label, "describe_item": describe_item}
