"""dashboard_day: each office's closed days summed up for the dashboard's SOP step figures and
visit analytics

Revision ID: 572be88ecf6c
Revises: b7d41c9e2f35
Create Date: 2026-12-04 19:30:00

"""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from server.dashboard.days import kept_rows, live_day, summarize, visit_query

# revision identifiers, used by Alembic.
revision = '572be88ecf6c'
down_revision = 'b7d41c9e2f35'
branch_labels = None
depends_on = None

office = sa.table('office', sa.column('id', sa.Integer), sa.column('sop_template', sa.String),
                  sa.column('timezone', sa.String))


def upgrade():
    day_table = op.create_table(
        'dashboard_day',
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['office_id'], ['office.id']),
        sa.PrimaryKeyConstraint('office_id', 'day'))
    # Sum up the closed days of the visits already stored (their step minutes are stored by
    # 370d3ba71975), so the first dashboard view reads rows, not a province's visits.
    bind = op.get_bind()
    now = datetime.now(timezone.utc)
    for office_id, template_key, tz_name in bind.execute(
            sa.select(office.c.id, office.c.sop_template, office.c.timezone)).all():
        tz = ZoneInfo(tz_name)
        visits = bind.execute(visit_query(office_id, datetime(1970, 1, 1, tzinfo=timezone.utc),
                                          datetime(9999, 1, 1, tzinfo=timezone.utc))).all()
        kept = kept_rows(summarize(visits, template_key, tz), live_day(tz, now))
        rows = [{"office_id": office_id, "day": d, **parts} for d, parts in kept.items()]
        for start in range(0, len(rows), 500):
            bind.execute(day_table.insert(), rows[start:start + 500])


def downgrade():
    op.drop_table('dashboard_day')
