"""capture channels: webhook endpoints and deliveries, idempotent requests, rate counters

Revision ID: e5a1c7d3b9f2
Revises: c3a9e7d1f5b2
Create Date: 2026-12-04 03:00:00.000000
"""

from alembic import op
import sqlalchemy as sa

import metadata.orm
from sqlalchemy.dialects import postgresql

revision = 'e5a1c7d3b9f2'
down_revision = 'c3a9e7d1f5b2'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'webhook_endpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('app_key', sa.String(length=63), nullable=False),
        sa.Column('form_key', sa.String(length=63), nullable=False),
        sa.Column('hook_key', sa.String(length=63), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('token', sa.Text(), nullable=False),
        sa.Column('secret', sa.Text(), nullable=False),
        sa.Column('created_at', metadata.orm.UTCDateTime(), nullable=False),
        sa.Column('rotated_at', metadata.orm.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints')),
        sa.UniqueConstraint('app_key', 'form_key', 'hook_key', name='uq_webhook_endpoints_hook'),
        sa.UniqueConstraint('token_hash', name=op.f('uq_webhook_endpoints_token_hash')),
    )
    op.create_table(
        'webhook_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('app_key', sa.String(length=63), nullable=False),
        sa.Column('form_key', sa.String(length=63), nullable=False),
        sa.Column('hook_key', sa.String(length=63), nullable=False),
        sa.Column('received_at', metadata.orm.UTCDateTime(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('http_status', sa.Integer(), nullable=False),
        sa.Column('delivery_id', sa.String(length=200), nullable=True),
        sa.Column('delivery_key', sa.String(length=200), nullable=True),
        sa.Column('duplicate_of', sa.Integer(), nullable=True),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.Column('body_size', sa.Integer(), nullable=False),
        sa.Column('truncated', sa.Boolean(), nullable=False),
        sa.Column('content_type', sa.String(length=200), nullable=True),
        sa.Column('headers', JSON, nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.Column('errors', JSON, nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('applied_at', metadata.orm.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
    )
    op.create_index('ix_webhook_deliveries_hook', 'webhook_deliveries',
                    ['app_key', 'form_key', 'hook_key', 'id'], unique=False)
    op.create_index('uq_webhook_deliveries_delivery', 'webhook_deliveries',
                    ['app_key', 'form_key', 'hook_key', 'delivery_key'], unique=True)
    op.create_table(
        'idempotent_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('target', sa.String(length=400), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=8), nullable=False),
        sa.Column('claimed_at', metadata.orm.UTCDateTime(), nullable=False),
        sa.Column('expires_at', metadata.orm.UTCDateTime(), nullable=False),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('body', sa.LargeBinary(), nullable=True),
        sa.Column('headers', JSON, nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_idempotent_requests_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotent_requests')),
        sa.UniqueConstraint('user_id', 'key', name='uq_idempotent_requests_key'),
    )
    op.create_index('ix_idempotent_requests_expires_at', 'idempotent_requests', ['expires_at'],
                    unique=False)
    op.create_table(
        'capture_counters',
        sa.Column('key', sa.String(length=300), nullable=False),
        sa.Column('window_start', metadata.orm.UTCDateTime(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_capture_counters')),
    )


def downgrade() -> None:
    op.drop_table('capture_counters')
    op.drop_index('ix_idempotent_requests_expires_at', table_name='idempotent_requests')
    op.drop_table('idempotent_requests')
    op.drop_index('uq_webhook_deliveries_delivery', table_name='webhook_deliveries')
    op.drop_index('ix_webhook_deliveries_hook', table_name='webhook_deliveries')
    op.drop_table('webhook_deliveries')
    op.drop_table('webhook_endpoints')
