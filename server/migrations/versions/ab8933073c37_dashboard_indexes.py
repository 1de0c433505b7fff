"""visit: index (nik_hash, office_id, registered_at) for the visit analytics' returning guests

Revision ID: ab8933073c37
Revises: 572be88ecf6c
Create Date: 2026-12-04 19:25:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'ab8933073c37'
down_revision = '572be88ecf6c'
branch_labels = None
depends_on = None


def upgrade():
    # Counting a month's guests who had come before reads this index alone, not the visit rows.
    op.create_index('ix_visit_nik_office_registered', 'visit', ['nik_hash', 'office_id', 'registered_at'])


def downgrade():
    op.drop_index('ix_visit_nik_office_registered', table_name='visit')
