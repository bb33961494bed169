"""search backlog: records whose search texts SQLite's full-text index has not taken in yet

Revision ID: f3b7c2a9d1e4
Revises: e5a1c7d3b9f2
Create Date: 2026-12-04 09:30:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = 'f3b7c2a9d1e4'
down_revision = 'e5a1c7d3b9f2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'search_backlog',
        sa.Column('search_table', sa.String(length=63), nullable=False),
        sa.Column('record_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint('search_table', 'record_id', name=op.f('pk_search_backlog')),
    )


def downgrade() -> None:
    op.drop_table('search_backlog')
