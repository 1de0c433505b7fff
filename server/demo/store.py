"""Storing generated visits the way tablets do: numbered, signed and pushed through `ingest_batch`."""
from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from sync.lifecycle import read_custody
from sync.rules import FINAL_STAGES

from ..extensions import db
from ..models import Attachment, Device, Office, Visit, VisitEvent
from .common import DemoError, iso, new_uuid
from .custody import FOREVER, POOLS, Ledger, hand_out
from .offices import Ctx
from .people import signature_png
from .visits import Plan

BATCH = 500  # the protocol's largest push


def _sign(office: Office, plans: list[Plan]) -> list[dict]:
    """Give most registrations a signature; return the Attachment rows to store first."""
    rows, now = [], datetime.now(timezone.utc)
    for plan in plans:
        reg = next((e for e in plan.events if e["kind"] == "registration"), None)
        rng = random.Random(f"signature:{plan.visit_id}")  # apart from the main stream
        if reg is None or rng.random() < 0.04:
            continue  # the odd guest whose signature the desk did not take
        data = signature_png(rng)
        sha = hashlib.sha256(data).hexdigest()
        reg["payload"]["signature_sha"] = sha
        rows.append({"sha256": sha, "office_id": office.id, "kind": "signature", "content_type": "image/png",
                     "size": len(data), "data": data, "created_at": now})
    return rows


def _store_blobs(rows: list[dict]) -> None:
    """Insert signature blobs (before the events that name them, so none shows as pending)."""
    from sqlalchemy.dialects import postgresql, sqlite

    if not rows:
        return
    module = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    for i in range(0, len(rows), BATCH):
        db.session.execute(module.insert(Attachment.__table__).on_conflict_do_nothing(), rows[i:i + BATCH])


def _to_protocol(rng: random.Random, ctx: Ctx, plans: list[Plan], next_seq: dict[int, int]) -> dict[int, list[dict]]:
    """Return {device id: [protocol events]} with ids, per-device seq in time order, device times."""
    per_device: dict[int, list[tuple]] = {}
    for plan in plans:
        for n, event in enumerate(plan.events):
            per_device.setdefault(plan.device.id, []).append((event["at"], plan.visit_id, n, event))
    out = {}
    for device_id, items in per_device.items():
        items.sort(key=lambda item: (item[0], item[1], item[2]))
        offset = ctx.offsets.get(device_id, 0)
        seq = next_seq.get(device_id, 0)
        events = []
        for at, visit_id, _, event in items:
            seq += 1
            protocol = {"id": new_uuid(rng), "visit_id": visit_id, "seq": seq, "kind": event["kind"],
                        "actor": event["actor"], "device_time": iso(at + timedelta(milliseconds=offset)),
                        "clock_offset_ms": offset, "payload": event["payload"]}
            if event["step"]:
                protocol["step"] = event["step"]
            if event["kind"] == "registration" and protocol["payload"].get("consent_at"):
                consent = datetime.fromisoformat(protocol["payload"]["consent_at"].replace("Z", "+00:00"))
                protocol["payload"] = dict(protocol["payload"], consent_at=iso(consent + timedelta(milliseconds=offset)))
            events.append(protocol)
        next_seq[device_id] = seq
        out[device_id] = events
    return out


def _queue_numbers(ctx: Ctx, plans: list[Plan], taken: dict[tuple, int]) -> None:
    """Number each device's registrations per local day: A-001, A-002, ..."""
    regs = sorted(((e["at"], plan) for plan in plans for e in plan.events if e["kind"] == "registration"),
                  key=lambda item: (item[0], item[1].visit_id))
    for at, plan in regs:
        day = (plan.device.id, at.astimezone(ctx.office.tz).date())
        taken[day] = taken.get(day, 0) + 1
        reg = next(e for e in plan.events if e["kind"] == "registration")
        reg["payload"]["queue_number"] = f"{plan.device.letter}-{taken[day]:03d}"


def store_through_push(devices: dict[int, Device], events_by_device: dict[int, list[dict]],
                       surveys_by_device: dict[int, list[dict]]) -> dict[str, int]:
    """Store generated events and surveys with the push operation, in protocol-sized batches.

    Does not commit. Raises DemoError if the server refuses any record (a generator bug).
    """
    from ..api.operations import SyncError, ingest_batch

    counts = {"stored": 0, "duplicate": 0}
    for device_id in sorted(set(events_by_device) | set(surveys_by_device)):
        events, surveys = events_by_device.get(device_id, []), surveys_by_device.get(device_id, [])
        # Events first, in seq order, so the tablet's acknowledged sequence advances batch by batch.
        batches = [(events[i:i + BATCH], []) for i in range(0, len(events), BATCH)]
        batches += [([], surveys[i:i + BATCH]) for i in range(0, len(surveys), BATCH)]
        for batch_events, batch_surveys in batches:
            try:
                ack = ingest_batch(devices[device_id], batch_events, batch_surveys, commit=False)["ack"]
            except SyncError as exc:
                raise DemoError(f"the server refused a batch of demo records: {exc.message}") from exc
            if ack["quarantined"] or ack["conflict"]:
                refused = (ack["quarantined"] + ack["conflict"])[0]
                raise DemoError(f"the server refused generated demo record {refused.get('id')}: "
                                f"{refused.get('fields') or refused.get('message')}")
            counts["stored"] += len(ack["stored"])
            counts["duplicate"] += len(ack["duplicate"])
    return counts


def store_plans(rng: random.Random, ctx: Ctx, plans: list[Plan], history: list[dict] | None = None) -> dict:
    """Number, serialise and store the plans (and extra surveys) of one office."""
    taken: dict[tuple, int] = {}
    first_day = min((e["at"] for p in plans for e in p.events), default=None)
    if first_day is not None:
        # Continue today's queue numbers after what the office already has.
        for device_id, day, count in _existing_queue_counts(ctx, plans):
            taken[(device_id, day)] = count
    _queue_numbers(ctx, plans, taken)
    if plans:
        # Apart from the main stream, so the rest of the demo is the same whatever is handed out.
        hand_out(random.Random(f"custody:{plans[0].visit_id}"), plans, _stored_custody(ctx, plans))
    _store_blobs(_sign(ctx.office, plans))
    next_seq = dict(db.session.execute(select(VisitEvent.device_id, func.max(VisitEvent.device_seq)).where(
        VisitEvent.device_id.in_([d.id for d in ctx.devices])).group_by(VisitEvent.device_id)).all())
    next_seq = {k: int(v or 0) for k, v in next_seq.items()}
    events = _to_protocol(rng, ctx, plans, next_seq)
    surveys: dict[int, list[dict]] = {}
    for plan in plans:
        if plan.survey:
            surveys.setdefault(plan.device.id, []).append(plan.survey)
    if history:
        surveys.setdefault(ctx.devices[0].id, []).extend(history)
    devices = {d.id: d for d in ctx.devices}
    counts = store_through_push(devices, events, surveys)
    return {"visits": len(plans), "events": sum(len(v) for v in events.values()),
            "surveys": sum(len(v) for v in surveys.values()), **counts}


def _stored_custody(ctx: Ctx, plans: list[Plan]) -> Ledger:
    """Return the cards and lockers the office's stored visits hold around the plans' days
    (and those still held by guests on site)."""
    starts = [e["at"] for p in plans for e in p.events]
    low, high = min(starts) - timedelta(days=1), max(starts) + timedelta(days=1)
    ledger = Ledger()
    rows = db.session.execute(select(Visit.state, Visit.card_number, Visit.ktp_held, Visit.id_type,
                                     Visit.locker_number, Visit.checked_out_at).where(
        Visit.office_id == ctx.office.id,
        ((Visit.registered_at >= low) & (Visit.registered_at <= high)) | Visit.stage.notin_(FINAL_STAGES)))
    for row in rows:
        custody, _ = read_custody(row.state, row)
        for item, held in custody.items():
            if item in POOLS and held.get("number") and held.get("issued_at"):
                ledger.hold(item, held["number"], (held["issued_at"], held["returned_at"] or FOREVER))
    return ledger


def _existing_queue_counts(ctx: Ctx, plans: list[Plan]):
    """Yield (device id, local day, visits already registered) for the days the plans touch."""
    starts = [e["at"] for p in plans for e in p.events]
    low, high = min(starts) - timedelta(days=1), max(starts) + timedelta(days=1)
    rows = db.session.execute(select(Visit.device_id, Visit.registered_at).where(
        Visit.office_id == ctx.office.id, Visit.registered_at >= low, Visit.registered_at <= high))
    counts: dict[tuple, int] = {}
    for device_id, registered_at in rows:
        day = registered_at.astimezone(ctx.office.tz).date()
        counts[(device_id, day)] = counts.get((device_id, day), 0) + 1
    for (device_id, day), count in counts.items():
        yield device_id, day, count
