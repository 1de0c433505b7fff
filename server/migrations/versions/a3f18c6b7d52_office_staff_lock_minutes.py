"""office.staff_lock_minutes: idle minutes after which a desk tablet locks staff mode

Revision ID: a3f18c6b7d52
Revises: e7a93b5c2d14
Create Date: 2026-12-04 15:40:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'a3f18c6b7d52'
down_revision = 'e7a93b5c2d14'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_lock_minutes', sa.Integer(), server_default='5', nullable=False))


def downgrade():
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.drop_column('staff_lock_minutes')
