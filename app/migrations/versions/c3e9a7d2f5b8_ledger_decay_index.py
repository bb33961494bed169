"""the ledger's index by kind covers only the lines decay reads (behaviour and decay lines):
the attribute lines every scored write books no longer pay for it; an incident keeps its
summary as a message, for the pages to write in the reader's language

Revision ID: c3e9a7d2f5b8
Revises: b7d4e2a91c35
Create Date: 2026-12-04 17:00:00.000000
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

revision = 'c3e9a7d2f5b8'
down_revision = 'b7d4e2a91c35'
branch_labels = None
depends_on = None

DECAY_KINDS = sa.text("kind IN ('behaviour', 'decay')")
JSON = sa.JSON().with_variant(JSONB(), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('score_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_score_ledger_kind')
        batch_op.create_index('ix_score_ledger_decay',
                              ['app_key', 'form_key', 'model', 'kind', 'record_id', 'at'],
                              unique=False, sqlite_where=DECAY_KINDS,
                              postgresql_where=DECAY_KINDS)
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_column('message')
    with op.batch_alter_table('score_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_score_ledger_decay')
        batch_op.create_index('ix_score_ledger_kind',
                              ['kind', 'app_key', 'form_key', 'model', 'record_id', 'at'],
                              unique=False)
