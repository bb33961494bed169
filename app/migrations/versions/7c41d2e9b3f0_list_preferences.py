"""list preferences: each person's columns of a form's list, and their personal views

Revision ID: 7c41d2e9b3f0
Revises: 041b2360755e
Create Date: 2026-12-03 23:50:00.000000
"""

from alembic import op
import sqlalchemy as sa

import metadata.orm
from sqlalchemy.dialects import postgresql

revision = '7c41d2e9b3f0'
down_revision = '041b2360755e'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'list_preferences',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('app_key', sa.String(length=63), nullable=False),
        sa.Column('form_key', sa.String(length=63), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('state', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                  nullable=False),
        sa.Column('updated_at', metadata.orm.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_list_preferences_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_list_preferences')),
        sa.UniqueConstraint('user_id', 'app_key', 'form_key', 'name',
                            name='uq_list_preferences'),
    )


def downgrade() -> None:
    op.drop_table('list_preferences')
