"""visit: the lifecycle (outcome, location, custody ledger) derived for every visit

Revision ID: d5c8e1f04b67
Revises: b7e4c2a91f35
Create Date: 2026-12-04 16:30:00

"""
import json
from collections import defaultdict
from datetime import timezone

from alembic import op
import sqlalchemy as sa

from sync.rules import LIFECYCLE_KEYS, derive_visit, format_time

# revision identifiers, used by Alembic.
revision = 'd5c8e1f04b67'
down_revision = 'b7e4c2a91f35'
branch_labels = None
depends_on = None

BATCH = 500


def _payload(value):
    return json.loads(value) if isinstance(value, str) else (value or {})


def upgrade():
    with op.batch_alter_table('visit', schema=None) as batch_op:
        # True while the desk holds a card, identity document or locker key for the visit.
        batch_op.add_column(sa.Column('custody_open', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index('ix_visit_custody_open', ['custody_open'])
    # Derive the lifecycle of the visits already stored from their events (only fields that
    # need no personal data: sealed NIK and phone stay sealed). The tablets' stored view is
    # cleared, so the next pull rebuilds it from the columns.
    bind = op.get_bind()
    state_param = "CAST(:state AS JSON)" if bind.dialect.name == "postgresql" else ":state"
    ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM visit WHERE purged_at IS NULL"))]
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        events = defaultdict(list)
        rows = bind.execute(sa.text(
            "SELECT id, visit_id, device_seq, kind, actor, step, device_time, clock_offset_ms, payload "
            "FROM visit_event WHERE visit_id IN :ids").bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": chunk})
        for r in rows:
            when = r.device_time
            if isinstance(when, str):
                when = when.replace(" ", "T")
                when = when if when.endswith("Z") or "+" in when[10:] else when + "+00:00"
            else:
                when = format_time(when if when.tzinfo else when.replace(tzinfo=timezone.utc))
            events[r.visit_id].append({
                "id": r.id, "visit_id": r.visit_id, "seq": r.device_seq or 0, "kind": r.kind,
                "actor": r.actor, "step": r.step or None, "device_time": when,
                "clock_offset_ms": r.clock_offset_ms or 0, "payload": _payload(r.payload)})
        states = dict(bind.execute(sa.text("SELECT id, state FROM visit WHERE id IN :ids")
                                   .bindparams(sa.bindparam("ids", expanding=True)), {"ids": chunk}).all())
        for visit_id, evs in events.items():
            derived = derive_visit(evs)
            state = _payload(states.get(visit_id))
            state.update({k: derived[k] for k in LIFECYCLE_KEYS})
            bind.execute(sa.text(
                f"UPDATE visit SET stage = :stage, state = {state_param}, custody_open = :open, "
                "tablet_json = NULL WHERE id = :id"),
                {"stage": derived["stage"], "state": json.dumps(state), "id": visit_id,
                 "open": bool(derived["custody_outstanding"])})


def downgrade():
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_custody_open')
        batch_op.drop_column('custody_open')
