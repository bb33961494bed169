"""decay and re-scoring: the ledger's index by kind, the re-score jobs

Revision ID: b7d4e2a91c35
Revises: a4d8e2c6b1f3
Create Date: 2026-12-05 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa
import metadata.orm

revision = 'b7d4e2a91c35'
down_revision = 'a4d8e2c6b1f3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('score_ledger', schema=None) as batch_op:
        batch_op.create_index('ix_score_ledger_kind',
                              ['kind', 'app_key', 'form_key', 'model', 'record_id', 'at'],
                              unique=False)
    op.create_table('score_rescores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('app_key', sa.String(length=63), nullable=False),
    sa.Column('ruleset', sa.String(length=63), nullable=False),
    sa.Column('form_key', sa.String(length=63), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('from_version', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('last_id', sa.BigInteger(), nullable=False),
    sa.Column('max_id', sa.BigInteger(), nullable=True),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.Column('started_at', metadata.orm.UTCDateTime(), nullable=True),
    sa.Column('heartbeat_at', metadata.orm.UTCDateTime(), nullable=True),
    sa.Column('finished_at', metadata.orm.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_rescores'))
    )
    with op.batch_alter_table('score_rescores', schema=None) as batch_op:
        batch_op.create_index('ix_score_rescores_ruleset', ['app_key', 'ruleset', 'id'],
                              unique=False)
        batch_op.create_index('ix_score_rescores_status', ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('score_rescores', schema=None) as batch_op:
        batch_op.drop_index('ix_score_rescores_status')
        batch_op.drop_index('ix_score_rescores_ruleset')
    op.drop_table('score_rescores')
    with op.batch_alter_table('score_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_score_ledger_kind')
