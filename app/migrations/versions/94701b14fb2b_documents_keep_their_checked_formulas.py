"""documents keep their checked formulas

Revision ID: 94701b14fb2b
Revises: caeb21575b89
Create Date: 2026-11-23 07:36:46.684096
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '94701b14fb2b'
down_revision = 'caeb21575b89'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('document_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('formulas', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('formulas', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('formulas')

    with op.batch_alter_table('document_versions', schema=None) as batch_op:
        batch_op.drop_column('formulas')

