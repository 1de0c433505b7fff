"""quarantine.visit_id (erasure reaches quarantined copies) and record_hash (kept once)

Revision ID: f3a8d2c61b09
Revises: d5c8e1f04b67
Create Date: 2026-12-04 16:10:00

"""
import json

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f3a8d2c61b09'
down_revision = 'd5c8e1f04b67'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quarantine', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visit_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('record_hash', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_quarantine_visit_id', ['visit_id'], unique=False)
        batch_op.create_index('uq_quarantine_device_record', ['device_id', 'record_hash'], unique=True)
    # Rows kept before: the visit their record names (the record's own id is the event's).
    conn = op.get_bind()
    quarantine = sa.table('quarantine', sa.column('id', sa.Integer), sa.column('payload', sa.Text),
                          sa.column('visit_id', sa.String))
    rows = conn.execute(sa.select(quarantine.c.id, sa.cast(quarantine.c.payload, sa.Text))).all()
    for row_id, payload in rows:
        try:
            record = json.loads(payload) if payload else None
        except ValueError:
            continue
        visit_id = record.get("visit_id") if isinstance(record, dict) else None
        if isinstance(visit_id, str) and visit_id:
            conn.execute(quarantine.update().where(quarantine.c.id == row_id).values(visit_id=visit_id[:36]))


def downgrade():
    with op.batch_alter_table('quarantine', schema=None) as batch_op:
        batch_op.drop_index('uq_quarantine_device_record')
        batch_op.drop_index('ix_quarantine_visit_id')
        batch_op.drop_column('record_hash')
        batch_op.drop_column('visit_id')
