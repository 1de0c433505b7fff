"""visit: index (office_id, updated_at): the dashboard remembers an office's figures until it moves

Revision ID: 74e1bce9555c
Revises: ab8933073c37
Create Date: 2026-12-04 19:55:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '74e1bce9555c'
down_revision = 'ab8933073c37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_visit_office_updated', 'visit', ['office_id', 'updated_at'])


def downgrade():
    op.drop_index('ix_visit_office_updated', table_name='visit')
