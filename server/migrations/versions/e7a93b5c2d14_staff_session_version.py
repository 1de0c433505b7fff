"""staff_user.session_version: sessions that end on logout, password reset, deactivation

Revision ID: e7a93b5c2d14
Revises: c41d2e8f7a10
Create Date: 2026-12-04 15:50:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e7a93b5c2d14'
down_revision = 'c41d2e8f7a10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('session_version')
