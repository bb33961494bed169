"""exports: lists exported in the background, private to their requester until they expire

Revision ID: 041b2360755e
Revises: 5b2e8f0c1a47
Create Date: 2026-12-03 23:26:10.411599

What an export of a long list asked for, how far its background job got and which file
it wrote; purged with the file when it expires.
"""

from alembic import op
import sqlalchemy as sa
import metadata.orm
from sqlalchemy.dialects import postgresql

revision = '041b2360755e'
down_revision = '5b2e8f0c1a47'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exports',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('app_key', sa.String(length=63), nullable=False),
    sa.Column('form_key', sa.String(length=63), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('spec', sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.Column('finished_at', metadata.orm.UTCDateTime(), nullable=True),
    sa.Column('expires_at', metadata.orm.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_exports_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exports'))
    )
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.create_index('ix_exports_expires_at', ['expires_at'], unique=False)
        batch_op.create_index('ix_exports_user_form', ['user_id', 'app_key', 'form_key'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.drop_index('ix_exports_user_form')
        batch_op.drop_index('ix_exports_expires_at')

    op.drop_table('exports')
