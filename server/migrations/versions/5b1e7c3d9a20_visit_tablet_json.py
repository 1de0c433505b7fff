"""visit: the tablets' view of each visit, kept with the row

Revision ID: 5b1e7c3d9a20
Revises: 34f02cab92a8
Create Date: 2026-11-29 00:10:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '5b1e7c3d9a20'
down_revision = '34f02cab92a8'
branch_labels = None
depends_on = None


def upgrade():
    # Rows written before this column get their view on the next pull (server/api/pull.py).
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tablet_json', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_column('tablet_json')
