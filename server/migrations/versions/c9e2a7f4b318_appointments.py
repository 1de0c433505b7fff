"""appointments: bookings and invitations, office booking settings and ticket key

Revision ID: c9e2a7f4b318
Revises: a16d3e5f7b21
Create Date: 2026-12-04 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c9e2a7f4b318'
down_revision = 'a16d3e5f7b21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'appointment',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('group_label', sa.String(length=200), nullable=True),
        sa.Column('service_id', sa.Integer(), nullable=True),
        sa.Column('host_id', sa.Integer(), nullable=True),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('time', sa.String(length=5), nullable=False),
        sa.Column('queue', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('id_type', sa.String(length=12), nullable=False),
        sa.Column('id_number', sa.Text(), nullable=True),
        sa.Column('nik_hash', sa.String(length=64), nullable=True),
        sa.Column('name', sa.String(length=160), nullable=False),
        sa.Column('phone', sa.Text(), nullable=True),
        sa.Column('email', sa.Text(), nullable=True),
        sa.Column('institution', sa.String(length=200), nullable=False),
        sa.Column('purpose', sa.Text(), nullable=False),
        sa.Column('letter_sha', sa.String(length=64), nullable=True),
        sa.Column('consent_version', sa.String(length=32), nullable=False),
        sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('requested_change', sa.String(length=40), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('checked_in_visit_id', sa.String(length=36), nullable=True),
        sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['office_id'], ['office.id']),
        sa.ForeignKeyConstraint(['service_id'], ['service.id']),
        sa.ForeignKeyConstraint(['host_id'], ['host.id']),
        sa.ForeignKeyConstraint(['decided_by'], ['staff_user.id']),
        sa.ForeignKeyConstraint(['created_by'], ['staff_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.create_index('ix_appointment_office_date', ['office_id', 'date'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_nik_hash'), ['nik_hash'], unique=False)
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booking', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('ticket_key', sa.Text(), nullable=True))
    for table in ('host', 'service'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('booking_mode', sa.String(length=8), nullable=False, server_default='off'))
            batch_op.add_column(sa.Column('booking_capacity', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('appointment_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_notification_appointment_id'), ['appointment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_appointment_id'))
        batch_op.drop_column('appointment_id')
    for table in ('service', 'host'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('booking_capacity')
            batch_op.drop_column('booking_mode')
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.drop_column('ticket_key')
        batch_op.drop_column('booking')
    op.drop_table('appointment')
