"""imports: files imported in the background, and what became of each row

Revision ID: c3a9e7d1f5b2
Revises: b8d4e1f2a3c5
Create Date: 2026-12-04 02:20:00.000000
"""

from alembic import op
import sqlalchemy as sa

import metadata.orm
from sqlalchemy.dialects import postgresql

revision = 'c3a9e7d1f5b2'
down_revision = 'b8d4e1f2a3c5'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'imports',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('app_key', sa.String(length=63), nullable=False),
        sa.Column('form_key', sa.String(length=63), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('format', sa.String(length=8), nullable=False),
        sa.Column('encoding', sa.String(length=32), nullable=True),
        sa.Column('header', JSON, nullable=False),
        sa.Column('mapping', JSON, nullable=False),
        sa.Column('dry_run', sa.Boolean(), nullable=False),
        sa.Column('lang', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('total', sa.Integer(), nullable=True),
        sa.Column('processed', sa.Integer(), nullable=False),
        sa.Column('created', sa.Integer(), nullable=False),
        sa.Column('merged', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.Column('last_row', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', metadata.orm.UTCDateTime(), nullable=False),
        sa.Column('started_at', metadata.orm.UTCDateTime(), nullable=True),
        sa.Column('heartbeat_at', metadata.orm.UTCDateTime(), nullable=True),
        sa.Column('finished_at', metadata.orm.UTCDateTime(), nullable=True),
        sa.Column('undone_at', metadata.orm.UTCDateTime(), nullable=True),
        sa.Column('undone_by', sa.Integer(), nullable=True),
        sa.Column('undo_report', JSON, nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_imports_user_id_users')),
        sa.ForeignKeyConstraint(['undone_by'], ['users.id'],
                                name=op.f('fk_imports_undone_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_imports')),
    )
    op.create_index('ix_imports_form', 'imports', ['app_key', 'form_key', 'created_at'],
                    unique=False)
    op.create_table(
        'import_rows',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('import_id', sa.String(length=32), nullable=False),
        sa.Column('row', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=8), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=True),
        sa.Column('merged', JSON, nullable=True),
        sa.Column('merge_id', sa.Integer(), nullable=True),
        sa.Column('errors', JSON, nullable=True),
        sa.Column('cells', JSON, nullable=True),
        sa.ForeignKeyConstraint(['import_id'], ['imports.id'],
                                name=op.f('fk_import_rows_import_id_imports'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_rows')),
        sa.UniqueConstraint('import_id', 'row', name='uq_import_rows_row'),
    )
    op.create_index('ix_import_rows_outcome', 'import_rows', ['import_id', 'outcome'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_import_rows_outcome', table_name='import_rows')
    op.drop_table('import_rows')
    op.drop_index('ix_imports_form', table_name='imports')
    op.drop_table('imports')
