"""office: second signer, pangkat/golongan, city, stated population, respondent threshold;
survey_response: the office's answer to a saran

Revision ID: b7e4c2a91f35
Revises: a3f18c6b7d52
Create Date: 2026-12-04 16:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'b7e4c2a91f35'
down_revision = 'a3f18c6b7d52'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signer_rank', sa.String(length=80), server_default='', nullable=False))
        batch_op.add_column(sa.Column('maker_name', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('maker_position', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('maker_rank', sa.String(length=80), server_default='', nullable=False))
        batch_op.add_column(sa.Column('maker_nip', sa.String(length=32), server_default='', nullable=False))
        batch_op.add_column(sa.Column('city', sa.String(length=80), server_default='', nullable=False))
        batch_op.add_column(sa.Column('population', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('respondent_threshold', sa.Integer(), server_default='30', nullable=False))
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('saran_reply', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('saran_replied_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('saran_replied_by', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_column('saran_replied_by')
        batch_op.drop_column('saran_replied_at')
        batch_op.drop_column('saran_reply')
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.drop_column('respondent_threshold')
        batch_op.drop_column('population')
        batch_op.drop_column('city')
        batch_op.drop_column('maker_nip')
        batch_op.drop_column('maker_rank')
        batch_op.drop_column('maker_position')
        batch_op.drop_column('maker_name')
        batch_op.drop_column('signer_rank')
