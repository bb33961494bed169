"""login failures: the log-in throttle's counters, shared by every process

Revision ID: d9530350db79
Revises: 94701b14fb2b
Create Date: 2026-12-03 14:57:06.133553
"""

from alembic import op
import sqlalchemy as sa
import metadata.orm


revision = 'd9530350db79'
down_revision = '94701b14fb2b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_failures',
    sa.Column('key', sa.String(length=400), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.Column('locked_until', metadata.orm.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failures_last_at'), ['last_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_last_at'))

    op.drop_table('login_failures')
