"""report documents, job states and forgotten periods in the database: every server node serves the same downloads

Revision ID: b7d41c9e2f35
Revises: 370d3ba71975
Create Date: 2026-12-04 19:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41c9e2f35'
down_revision = '370d3ba71975'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_document',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=True),
        sa.Column('period', sa.String(length=8), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['office_id'], ['office.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('key'),
    )
    with op.batch_alter_table('report_document', schema=None) as batch_op:
        batch_op.create_index('ix_report_document_office_period', ['office_id', 'period'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_document_made_at'), ['made_at'], unique=False)
    op.create_table(
        'report_job',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_job_updated_at'), ['updated_at'], unique=False)
    op.create_table(
        'report_forget',
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=8), nullable=False),
        sa.Column('forgotten_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['office_id'], ['office.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('office_id', 'period'),
    )
    with op.batch_alter_table('report_forget', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_forget_forgotten_at'), ['forgotten_at'], unique=False)


def downgrade():
    with op.batch_alter_table('report_forget', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_forget_forgotten_at'))
    op.drop_table('report_forget')
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_job_updated_at'))
    op.drop_table('report_job')
    with op.batch_alter_table('report_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_document_made_at'))
        batch_op.drop_index('ix_report_document_office_period')
    op.drop_table('report_document')
