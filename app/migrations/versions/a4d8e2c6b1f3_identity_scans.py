"""identity scans: "find duplicates" runs over a whole form, resumable, one at a time per form

Revision ID: a4d8e2c6b1f3
Revises: ac3fddf4a90b
Create Date: 2026-12-05 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa

import metadata.orm

revision = 'a4d8e2c6b1f3'
down_revision = 'ac3fddf4a90b'
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('queued', 'running')")


def upgrade() -> None:
    op.create_table(
        'identity_scans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('app_key', sa.String(length=63), nullable=False),
        sa.Column('form_key', sa.String(length=63), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('lang', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('phase', sa.String(length=16), nullable=False),
        sa.Column('total', sa.Integer(), nullable=True),
        sa.Column('processed', sa.Integer(), nullable=False),
        sa.Column('merged', sa.Integer(), nullable=False),
        sa.Column('queued', sa.Integer(), nullable=False),
        sa.Column('last_id', sa.BigInteger(), nullable=False),
        sa.Column('until_id', sa.BigInteger(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', metadata.orm.UTCDateTime(), nullable=False),
        sa.Column('started_at', metadata.orm.UTCDateTime(), nullable=True),
        sa.Column('heartbeat_at', metadata.orm.UTCDateTime(), nullable=True),
        sa.Column('finished_at', metadata.orm.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_identity_scans_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_scans')),
    )
    op.create_index('ix_identity_scans_form', 'identity_scans', ['app_key', 'form_key', 'id'],
                    unique=False)
    op.create_index('ux_identity_scans_active', 'identity_scans', ['app_key', 'form_key'],
                    unique=True, sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade() -> None:
    op.drop_index('ux_identity_scans_active', table_name='identity_scans')
    op.drop_index('ix_identity_scans_form', table_name='identity_scans')
    op.drop_table('identity_scans')
