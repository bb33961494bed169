"""rules executor: the point ledger, rule jobs, incidents, in-app notifications, schedule runs

Revision ID: ac3fddf4a90b
Revises: 9128575ed25c
Create Date: 2026-12-04 13:37:55.685393
"""

from alembic import op
import sqlalchemy as sa
import metadata.orm
from sqlalchemy.dialects import postgresql

revision = 'ac3fddf4a90b'
down_revision = '9128575ed25c'
branch_labels = None
depends_on = None

JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), 'postgresql')


def upgrade() -> None:
    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('app_key', sa.String(length=63), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('form_key', sa.String(length=63), nullable=True),
    sa.Column('record_id', sa.BigInteger(), nullable=True),
    sa.Column('rule', sa.String(length=200), nullable=True),
    sa.Column('job_id', sa.BigInteger(), nullable=True),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('opened_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.Column('updated_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index('ix_incidents_app', ['app_key', 'status', 'id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('app_key', sa.String(length=63), nullable=True),
    sa.Column('form_key', sa.String(length=63), nullable=True),
    sa.Column('record_id', sa.BigInteger(), nullable=True),
    sa.Column('title', JSON, nullable=False),
    sa.Column('message', JSON, nullable=True),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('created_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.Column('read_at', metadata.orm.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('key', 'user_id', name='uq_notifications_key')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user', ['user_id', 'read_at', 'id'], unique=False)

    op.create_table('rule_jobs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('app_key', sa.String(length=63), nullable=False),
    sa.Column('form_key', sa.String(length=63), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('ruleset', sa.String(length=63), nullable=False),
    sa.Column('rule', sa.String(length=63), nullable=False),
    sa.Column('action', sa.String(length=63), nullable=False),
    sa.Column('details', JSON, nullable=False),
    sa.Column('event_id', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('due_at', metadata.orm.UTCDateTime(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.Column('updated_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_jobs')),
    sa.UniqueConstraint('key', name='uq_rule_jobs_key')
    )
    with op.batch_alter_table('rule_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_rule_jobs_due', ['status', 'due_at'], unique=False)

    op.create_table('rule_schedule_runs',
    sa.Column('app_key', sa.String(length=63), nullable=False),
    sa.Column('ruleset', sa.String(length=63), nullable=False),
    sa.Column('rule', sa.String(length=63), nullable=False),
    sa.Column('last_run_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('app_key', 'ruleset', 'rule', name=op.f('pk_rule_schedule_runs'))
    )
    op.create_table('score_ledger',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', metadata.orm.UTCDateTime(), nullable=False),
    sa.Column('app_key', sa.String(length=63), nullable=False),
    sa.Column('form_key', sa.String(length=63), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('ruleset', sa.String(length=63), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=63), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=63), nullable=True),
    sa.Column('points', sa.Float(), nullable=False),
    sa.Column('reason', JSON, nullable=True),
    sa.Column('event_id', sa.BigInteger(), nullable=True),
    sa.Column('related_id', sa.BigInteger(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_ledger'))
    )
    with op.batch_alter_table('score_ledger', schema=None) as batch_op:
        batch_op.create_index('ix_score_ledger_record', ['app_key', 'form_key', 'record_id', 'model', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('score_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_score_ledger_record')

    op.drop_table('score_ledger')
    op.drop_table('rule_schedule_runs')
    with op.batch_alter_table('rule_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_rule_jobs_due')

    op.drop_table('rule_jobs')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user')

    op.drop_table('notifications')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('ix_incidents_app')

    op.drop_table('incidents')
