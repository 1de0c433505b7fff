"""visit.step_minutes: each visit's SOP step minutes, stored for the dashboard's medians

Revision ID: 370d3ba71975
Revises: c9e2a7f4b318
Create Date: 2026-12-04 19:10:00

"""
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from server.dashboard.step_store import steps_and_signature, visit_step_minutes
from server.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = '370d3ba71975'
down_revision = 'c9e2a7f4b318'
branch_labels = None
depends_on = None

BATCH = 900

visit = sa.table('visit', sa.column('id', sa.String), sa.column('office_id', sa.Integer),
                 sa.column('tier', sa.String), sa.column('consent_at', UTCDateTime()),
                 sa.column('step_minutes', sa.JSON))
event = sa.table('visit_event', sa.column('visit_id', sa.String), sa.column('kind', sa.String),
                 sa.column('step', sa.String), sa.column('corrected_time', UTCDateTime()),
                 sa.column('clock_offset_ms', sa.Integer))
office = sa.table('office', sa.column('id', sa.Integer), sa.column('sop_template', sa.String))


def upgrade():
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('step_minutes', sa.JSON(), nullable=True))
    # Measure the visits already stored from their events, as the dashboard did on each view.
    bind = op.get_bind()
    templates = dict(bind.execute(sa.select(office.c.id, office.c.sop_template)).all())
    visits = bind.execute(sa.select(visit.c.id, visit.c.office_id, visit.c.tier, visit.c.consent_at)
                          .order_by(visit.c.id)).all()
    store = sa.update(visit).where(visit.c.id == sa.bindparam('vid')).values(step_minutes=sa.bindparam('minutes'))
    for start in range(0, len(visits), BATCH):
        chunk = visits[start:start + BATCH]
        events = defaultdict(list)
        for r in bind.execute(sa.select(event.c.visit_id, event.c.kind, event.c.step, event.c.corrected_time,
                                        event.c.clock_offset_ms)
                              .where(event.c.visit_id.in_([v.id for v in chunk]))):
            events[r.visit_id].append({"kind": r.kind, "step": r.step, "corrected_time": r.corrected_time,
                                       "clock_offset_ms": r.clock_offset_ms})
        rows = []
        for v in chunk:
            steps, signature = steps_and_signature(templates.get(v.office_id), v.tier)
            rows.append({"vid": v.id, "minutes": visit_step_minutes(steps, signature, events.get(v.id, []),
                                                                    v.consent_at)})
        if rows:
            bind.execute(store, rows)


def downgrade():
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_column('step_minutes')
