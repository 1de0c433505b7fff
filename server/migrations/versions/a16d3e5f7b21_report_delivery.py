"""report delivery: per-office settings and the scheduled reports made and mailed

Revision ID: a16d3e5f7b21
Revises: f3a8d2c61b09
Create Date: 2026-12-04 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a16d3e5f7b21'
down_revision = 'f3a8d2c61b09'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('signer_email', sa.String(length=120), nullable=False),
        sa.Column('recipients', sa.Text(), nullable=False),
        sa.Column('to_admins', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['office_id'], ['office.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('office_id'),
    )
    op.create_table(
        'report_dispatch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('period', sa.String(length=8), nullable=False),
        sa.Column('state', sa.String(length=8), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('job_id', sa.String(length=64), nullable=False),
        sa.Column('recipients', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['office_id'], ['office.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('office_id', 'kind', 'period', name='uq_report_dispatch'),
    )
    with op.batch_alter_table('report_dispatch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_dispatch_office_id'), ['office_id'], unique=False)


def downgrade():
    with op.batch_alter_table('report_dispatch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_dispatch_office_id'))
    op.drop_table('report_dispatch')
    op.drop_table('report_delivery')
