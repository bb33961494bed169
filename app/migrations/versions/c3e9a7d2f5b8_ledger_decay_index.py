"""the ledger's index by kind covers only the lines decay reads (behaviour and decay lines):
the attribute lines every scored write books no longer pay for it

Revision ID: c3e9a7d2f5b8
Revises: b7d4e2a91c35
Create Date: 2026-12-04 17:00:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = 'c3e9a7d2f5b8'
down_revision = 'b7d4e2a91c35'
branch_labels = None
depends_on = None

DECAY_KINDS = sa.text("kind IN ('behaviour', 'decay')")


def upgrade() -> None:
    with op.batch_alter_table('score_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_score_ledger_kind')
        batch_op.create_index('ix_score_ledger_decay',
                              ['app_key', 'form_key', 'model', 'kind', 'record_id', 'at'],
                              unique=False, sqlite_where=DECAY_KINDS,
                              postgresql_where=DECAY_KINDS)


def downgrade() -> None:
    with op.batch_alter_table('score_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_score_ledger_decay')
        batch_op.create_index('ix_score_ledger_kind',
                              ['kind', 'app_key', 'form_key', 'model', 'record_id', 'at'],
                              unique=False)
