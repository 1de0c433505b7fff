"""dashboard_day: each office's closed days summed up for the dashboard's SOP step figures

Revision ID: 572be88ecf6c
Revises: b7d41c9e2f35
Create Date: 2026-12-04 19:30:00

"""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa

from server.dashboard.days import _day_bounds, _days, first_live_day, summarize
from server.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = '572be88ecf6c'
down_revision = 'b7d41c9e2f35'
branch_labels = None
depends_on = None

visit = sa.table('visit', sa.column('id', sa.String), sa.column('office_id', sa.Integer),
                 sa.column('registered_at', UTCDateTime()), sa.column('tier', sa.String),
                 sa.column('step_minutes', sa.JSON))
office = sa.table('office', sa.column('id', sa.Integer), sa.column('sop_template', sa.String),
                  sa.column('timezone', sa.String))


def upgrade():
    day_table = op.create_table(
        'dashboard_day',
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['office_id'], ['office.id']),
        sa.PrimaryKeyConstraint('office_id', 'day'))
    # Sum up the closed days of the visits already stored (their step minutes are stored by
    # 370d3ba71975), so the first dashboard view reads rows, not a province's visits.
    bind = op.get_bind()
    now = datetime.now(timezone.utc)
    for office_id, template_key, tz_name in bind.execute(
            sa.select(office.c.id, office.c.sop_template, office.c.timezone)).all():
        tz = ZoneInfo(tz_name)
        live = first_live_day(tz, now)
        visits = bind.execute(sa.select(visit.c.registered_at, visit.c.tier, visit.c.step_minutes).where(
            visit.c.office_id == office_id, visit.c.registered_at < _day_bounds(live, tz)[0])
            .order_by(visit.c.registered_at, visit.c.id)).all()
        if not visits:
            continue
        made = summarize(visits, template_key, tz)
        rows = [{"office_id": office_id, "day": d, "figures": made.get(d, {"visits": 0, "tiers": [], "steps": {}})}
                for d in _days(min(made), live)]
        for start in range(0, len(rows), 500):
            bind.execute(day_table.insert(), rows[start:start + 500])


def downgrade():
    op.drop_table('dashboard_day')
