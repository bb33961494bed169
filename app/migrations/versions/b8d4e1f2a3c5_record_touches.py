"""record touches: every arrival of a record, with its channel and campaign

Revision ID: b8d4e1f2a3c5
Revises: 7c41d2e9b3f0
Create Date: 2026-12-04 02:00:00.000000
"""

from alembic import op
import sqlalchemy as sa

import metadata.orm
from sqlalchemy.dialects import postgresql

revision = 'b8d4e1f2a3c5'
down_revision = '7c41d2e9b3f0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'record_touches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('app_key', sa.String(length=63), nullable=False),
        sa.Column('form_key', sa.String(length=63), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('arrived_as', sa.Integer(), nullable=False),
        sa.Column('at', metadata.orm.UTCDateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=True),
        sa.Column('medium', sa.String(length=200), nullable=True),
        sa.Column('campaign', sa.String(length=200), nullable=True),
        sa.Column('term', sa.String(length=200), nullable=True),
        sa.Column('content', sa.String(length=200), nullable=True),
        sa.Column('ref', sa.String(length=200), nullable=True),
        sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()),
                                                   'postgresql'), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_record_touches_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_record_touches')),
    )
    op.create_index('ix_record_touches_record', 'record_touches',
                    ['app_key', 'form_key', 'record_id', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_record_touches_record', table_name='record_touches')
    op.drop_table('record_touches')
