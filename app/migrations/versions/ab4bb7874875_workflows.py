"""workflows: instances, tokens, steps, timers and human tasks

Revision ID: ab4bb7874875
Revises: c8e5f1a3b7d2
Create Date: 2026-12-04 16:37:34.739163
"""

from alembic import op
import sqlalchemy as sa
import metadata.orm
from sqlalchemy.dialects import postgresql

revision = 'ab4bb7874875'
down_revision = 'c8e5f1a3b7d2'
branch_labels = None
depends_on = None

JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), 'postgresql')


def upgrade() -> None:

    op.create_table('workflow_instances',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('app_key', sa.String(length=63), nullable=False),
    sa.Column('workflow', sa.String(length=63), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('form_key', sa.String(length=63), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('running_key', sa.String(length=200), nullable=True),
    sa.Column('start_key', sa.String(length=200), nullable=True),
    sa.Column('parent_token_id', sa.BigInteger(), nullable=True),
    sa.Column('started_by', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.Column('updated_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.Column('ended_at', metadata.orm.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_instances')),
    sa.UniqueConstraint('running_key', name='uq_workflow_instances_running'),
    sa.UniqueConstraint('start_key', name='uq_workflow_instances_start')
    )
    with op.batch_alter_table('workflow_instances', schema=None) as batch_op:
        batch_op.create_index('ix_workflow_instances_record', ['app_key', 'form_key', 'record_id', 'status'], unique=False)
        batch_op.create_index('ix_workflow_instances_workflow', ['app_key', 'workflow', 'id'], unique=False)

    op.create_table('workflow_steps',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('instance_id', sa.BigInteger(), nullable=False),
    sa.Column('token_id', sa.BigInteger(), nullable=False),
    sa.Column('node', sa.String(length=63), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('data', JSON, nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('due_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.Column('enqueued_at', metadata.orm.UTCDateTime(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('result', JSON, nullable=True),
    sa.Column('created_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.Column('done_at', metadata.orm.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_steps')),
    sa.UniqueConstraint('key', name='uq_workflow_steps_key')
    )
    with op.batch_alter_table('workflow_steps', schema=None) as batch_op:
        batch_op.create_index('ix_workflow_steps_due', ['status', 'due_at'], unique=False)
        batch_op.create_index('ix_workflow_steps_instance', ['instance_id', 'id'], unique=False)

    op.create_table('workflow_tasks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('instance_id', sa.BigInteger(), nullable=False),
    sa.Column('token_id', sa.BigInteger(), nullable=False),
    sa.Column('node', sa.String(length=63), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('app_key', sa.String(length=63), nullable=False),
    sa.Column('form_key', sa.String(length=63), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.Column('title', JSON, nullable=False),
    sa.Column('description', JSON, nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('due_at', metadata.orm.UTCDateTime(), nullable=True),
    sa.Column('priority', sa.Float(), nullable=False),
    sa.Column('hint', sa.String(length=500), nullable=True),
    sa.Column('editable', JSON, nullable=True),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('created_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.Column('decided_at', metadata.orm.UTCDateTime(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_tasks'))
    )
    with op.batch_alter_table('workflow_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_workflow_tasks_assignee', ['assignee_id', 'status'], unique=False)
        batch_op.create_index('ix_workflow_tasks_token', ['token_id', 'status'], unique=False)

    op.create_table('workflow_timers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('instance_id', sa.BigInteger(), nullable=False),
    sa.Column('token_id', sa.BigInteger(), nullable=False),
    sa.Column('node', sa.String(length=63), nullable=False),
    sa.Column('name', sa.String(length=63), nullable=False),
    sa.Column('due_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('fired_at', metadata.orm.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_timers'))
    )
    with op.batch_alter_table('workflow_timers', schema=None) as batch_op:
        batch_op.create_index('ix_workflow_timers_due', ['status', 'due_at'], unique=False)
        batch_op.create_index('ix_workflow_timers_token', ['token_id'], unique=False)

    op.create_table('workflow_tokens',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('instance_id', sa.BigInteger(), nullable=False),
    sa.Column('node', sa.String(length=63), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('state', JSON, nullable=True),
    sa.Column('created_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.Column('updated_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_tokens'))
    )
    with op.batch_alter_table('workflow_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_workflow_tokens_instance', ['instance_id', 'status'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('workflow_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_workflow_tokens_instance')

    op.drop_table('workflow_tokens')
    with op.batch_alter_table('workflow_timers', schema=None) as batch_op:
        batch_op.drop_index('ix_workflow_timers_token')
        batch_op.drop_index('ix_workflow_timers_due')

    op.drop_table('workflow_timers')
    with op.batch_alter_table('workflow_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_workflow_tasks_token')
        batch_op.drop_index('ix_workflow_tasks_assignee')

    op.drop_table('workflow_tasks')
    with op.batch_alter_table('workflow_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_workflow_steps_instance')
        batch_op.drop_index('ix_workflow_steps_due')

    op.drop_table('workflow_steps')
    with op.batch_alter_table('workflow_instances', schema=None) as batch_op:
        batch_op.drop_index('ix_workflow_instances_workflow')
        batch_op.drop_index('ix_workflow_instances_record')

    op.drop_table('workflow_instances')

