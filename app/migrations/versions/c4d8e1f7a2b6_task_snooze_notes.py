"""to-do list: a task's snooze time, its notes and whether its assignee was reminded

Revision ID: c4d8e1f7a2b6
Revises: ab4bb7874875
Create Date: 2026-12-04 17:40:00
"""

from alembic import op
import sqlalchemy as sa
import metadata.orm
from sqlalchemy.dialects import postgresql

revision = 'c4d8e1f7a2b6'
down_revision = 'ab4bb7874875'
branch_labels = None
depends_on = None

JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('workflow_tasks') as batch:
        batch.add_column(sa.Column('snoozed_until', metadata.orm.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('notes', JSON, nullable=True))
        batch.add_column(sa.Column('reminded_at', metadata.orm.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('workflow_tasks') as batch:
        batch.drop_column('reminded_at')
        batch.drop_column('notes')
        batch.drop_column('snoozed_until')
