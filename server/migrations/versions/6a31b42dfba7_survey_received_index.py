"""survey_response: index on received_at: the dashboard's survey sums are remembered until it moves

Revision ID: 6a31b42dfba7
Revises: 74e1bce9555c
Create Date: 2026-12-04 20:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '6a31b42dfba7'
down_revision = '74e1bce9555c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_survey_received', 'survey_response', ['received_at'])


def downgrade():
    op.drop_index('ix_survey_received', table_name='survey_response')
