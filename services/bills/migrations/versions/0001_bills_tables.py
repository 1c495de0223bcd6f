"""The bills projection tables (schema ``bills``).

Revision ID: 0001
Revises:
"""

from alembic import op

from services.bills.tables import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    metadata.create_all(op.get_bind())


def downgrade():
    # A projection: dropping it loses nothing the ledger cannot replay (``rebuild``).
    metadata.drop_all(op.get_bind())
