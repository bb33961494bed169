"""change stamps: one counter per kind of knowledge that processes cache

Revision ID: 5b2e8f0c1a47
Revises: 43972bb00f79
Create Date: 2026-12-03 19:00:00.000000

Bumped in the transaction of every publish and every change to users, roles, teams and tokens,
read once per transaction: caches of compiled plans and token principals notice changes at once.
"""

from alembic import op
import sqlalchemy as sa

revision = '5b2e8f0c1a47'
down_revision = '43972bb00f79'
branch_labels = None
depends_on = None


def upgrade() -> None:
    stamps = op.create_table(
        'stamps',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_stamps')),
    )
    op.bulk_insert(stamps, [{'name': 'metadata', 'value': 1}, {'name': 'directory', 'value': 1}])


def downgrade() -> None:
    op.drop_table('stamps')
