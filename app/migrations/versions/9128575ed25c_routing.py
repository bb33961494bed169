"""routing: members' routing attributes, round-robin cursors, the assignment log

Revision ID: 9128575ed25c
Revises: f7b3d2a9c4e1
Create Date: 2026-12-04 09:22:10.892888
"""

from alembic import op
import sqlalchemy as sa

import metadata.orm
from sqlalchemy.dialects import postgresql

revision = '9128575ed25c'
down_revision = 'f7b3d2a9c4e1'
branch_labels = None
depends_on = None

JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), 'postgresql')


def upgrade() -> None:
    op.create_table('record_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', metadata.orm.UTCDateTime(), nullable=False),
    sa.Column('app_key', sa.String(length=63), nullable=False),
    sa.Column('form_key', sa.String(length=63), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('strategy', sa.String(length=63), nullable=False),
    sa.Column('rule', sa.String(length=200), nullable=True),
    sa.Column('field', sa.String(length=63), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('assignee', sa.Integer(), nullable=True),
    sa.Column('previous', sa.Integer(), nullable=True),
    sa.Column('fallback', sa.Boolean(), nullable=False),
    sa.Column('reason', JSON, nullable=False),
    sa.Column('candidates', JSON, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_assignments'))
    )
    with op.batch_alter_table('record_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_record_assignments_record', ['app_key', 'form_key', 'record_id', 'id'], unique=False)

    op.create_table('routing_cursors',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('last_user', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('turns', sa.Integer(), nullable=False),
    sa.Column('updated_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_routing_cursors'))
    )
    op.create_table('routing_members',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('routing', sa.Boolean(), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('regions', JSON, nullable=False),
    sa.Column('product_lines', JSON, nullable=False),
    sa.Column('hours', JSON, nullable=True),
    sa.Column('days_off', JSON, nullable=False),
    sa.Column('updated_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'user_id', name=op.f('pk_routing_members'))
    )


def downgrade() -> None:
    op.drop_table('routing_members')
    op.drop_table('routing_cursors')
    with op.batch_alter_table('record_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_record_assignments_record')

    op.drop_table('record_assignments')
