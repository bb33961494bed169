"""notify: the outbox, unsubscribed recipients, tracked clicks

Revision ID: c8e5f1a3b7d2
Revises: c3e9a7d2f5b8
Create Date: 2026-12-04 17:00:00.000000
"""

from alembic import op
import sqlalchemy as sa
import metadata.orm
from sqlalchemy.dialects import postgresql

revision = 'c8e5f1a3b7d2'
down_revision = 'c3e9a7d2f5b8'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JSON = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('outbox',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('app_key', sa.String(length=63), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('to', sa.String(length=2000), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=True),
    sa.Column('body_text', sa.Text(), nullable=True),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('links', JSON, nullable=True),
    sa.Column('options', JSON, nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('due_at', metadata.orm.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('form_key', sa.String(length=63), nullable=True),
    sa.Column('record_id', sa.BigInteger(), nullable=True),
    sa.Column('source', sa.String(length=200), nullable=True),
    sa.Column('created_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.Column('updated_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.Column('sent_at', metadata.orm.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('idempotency_key', name='uq_outbox_idempotency_key')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['status', 'due_at'], unique=False)
        batch_op.create_index('ix_outbox_record', ['app_key', 'form_key', 'record_id'],
                              unique=False)
    op.create_table('notify_unsubscribes',
    sa.Column('app_key', sa.String(length=63), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('at', metadata.orm.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('app_key', 'channel', 'address',
                            name=op.f('pk_notify_unsubscribes'))
    )
    op.create_table('message_clicks',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('link', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('related_id', sa.BigInteger(), nullable=True),
    sa.Column('at', metadata.orm.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_clicks'))
    )
    with op.batch_alter_table('message_clicks', schema=None) as batch_op:
        batch_op.create_index('ix_message_clicks_message', ['message_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('message_clicks', schema=None) as batch_op:
        batch_op.drop_index('ix_message_clicks_message')
    op.drop_table('message_clicks')
    op.drop_table('notify_unsubscribes')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_record')
        batch_op.drop_index('ix_outbox_due')
    op.drop_table('outbox')
