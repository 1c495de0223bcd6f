"""The credit projection tables (schema ``credit``).

Revision ID: 0001
Revises:
"""

from alembic import op

from services.credit.tables import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    metadata.create_all(op.get_bind())


def downgrade():
    # A projection: the ledger replays it.
    metadata.drop_all(op.get_bind())
