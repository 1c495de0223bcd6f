"""Invoices projection tables: streams, processed entries, events, query rows, decision times.

Revision ID: 0001
Revises:
"""

from alembic import op

from services.invoices.tables import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    metadata.create_all(op.get_bind())


def downgrade():
    # Projections only: the ledger rebuilds them (services.invoices.operations rebuild).
    metadata.drop_all(op.get_bind())
