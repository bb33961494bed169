"""attachments keep the type their bytes were verified as

Revision ID: 3f1c9a7d2b60
Revises: d9530350db79
Create Date: 2026-12-03 15:10:00.000000

Files uploaded before this revision have none: they are served as downloads, never inline.
"""

from alembic import op
import sqlalchemy as sa

revision = '3f1c9a7d2b60'
down_revision = 'd9530350db79'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_type', sa.String(length=127), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_column('verified_type')
