"""record events: the outbox of record writes and the deliveries owed to consumers

Revision ID: 43972bb00f79
Revises: 3f1c9a7d2b60
Create Date: 2026-12-03 15:03:46.510209
"""

from alembic import op
import sqlalchemy as sa
import metadata.orm
from sqlalchemy.dialects import postgresql

revision = '43972bb00f79'
down_revision = '3f1c9a7d2b60'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('record_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', metadata.orm.UTCDateTime(), nullable=False),
    sa.Column('app_key', sa.String(length=63), nullable=False),
    sa.Column('form_key', sa.String(length=63), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('changes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('depth', sa.SmallInteger(), nullable=False),
    sa.Column('cause_id', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_events'))
    )
    with op.batch_alter_table('record_events', schema=None) as batch_op:
        batch_op.create_index('ix_record_events_record', ['app_key', 'form_key', 'record_id', 'id'], unique=False)

    op.create_table('event_deliveries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('consumer', sa.String(length=63), nullable=False),
    sa.Column('event_id', sa.BigInteger(), nullable=False),
    sa.Column('stream', sa.String(length=160), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('retry_at', metadata.orm.UTCDateTime(), nullable=True),
    sa.Column('sweep_at', metadata.orm.UTCDateTime(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('acked_at', metadata.orm.UTCDateTime(), nullable=True),
    sa.Column('updated_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['record_events.id'], name=op.f('fk_event_deliveries_event_id_record_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_deliveries')),
    sa.UniqueConstraint('consumer', 'event_id', name='uq_event_deliveries_consumer_event')
    )
    with op.batch_alter_table('event_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_event_deliveries_stream', ['consumer', 'stream', 'status', 'event_id'], unique=False)
        batch_op.create_index('ix_event_deliveries_sweep', ['status', 'sweep_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('event_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_event_deliveries_sweep')
        batch_op.drop_index('ix_event_deliveries_stream')

    op.drop_table('event_deliveries')
    with op.batch_alter_table('record_events', schema=None) as batch_op:
        batch_op.drop_index('ix_record_events_record')

    op.drop_table('record_events')
