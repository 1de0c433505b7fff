"""blob_upload: partial photo and signature uploads a tablet can resume

Revision ID: c41d2e8f7a10
Revises: 5b1e7c3d9a20
Create Date: 2026-12-04 15:40:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c41d2e8f7a10'
down_revision = '5b1e7c3d9a20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'blob_upload',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('device_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('content_type', sa.String(length=40), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['device_id'], ['device.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('sha256', 'device_id'),
    )
    with op.batch_alter_table('blob_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blob_upload_updated_at'), ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('blob_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blob_upload_updated_at'))
    op.drop_table('blob_upload')
