"""Invoices with the projection kit: ``streams`` is renamed ``positions`` and loses ``kind``
(the stream names it); ``processed_entries`` keeps a refusal's message where it kept an
outcome (a refusal code says the entry was refused); events wait in a transactional outbox.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from services.common.projection.migrations import create_outbox, predates_the_kit

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None
SCHEMA = "invoices"


def upgrade():
    if not predates_the_kit(SCHEMA, "streams"):
        return
    op.rename_table("streams", "positions", schema=SCHEMA)
    op.drop_column("positions", "kind", schema=SCHEMA)
    op.add_column("processed_entries", sa.Column("refusal_message", sa.Text), schema=SCHEMA)
    op.drop_column("processed_entries", "outcome", schema=SCHEMA)
    create_outbox(SCHEMA)


def downgrade():
    op.drop_table("outbox", schema=SCHEMA)
    outcome = sa.Column("outcome", sa.Text, nullable=False, server_default="applied")
    op.add_column("processed_entries", outcome, schema=SCHEMA)
    refused = "UPDATE {}.processed_entries SET outcome = 'refused' WHERE refusal_code IS NOT NULL"
    op.execute(refused.format(SCHEMA))
    op.drop_column("processed_entries", "refusal_message", schema=SCHEMA)
    op.add_column("positions", sa.Column("kind", sa.Text), schema=SCHEMA)
    op.execute(f"UPDATE {SCHEMA}.positions SET kind = split_part(stream, ':', 1)")
    op.rename_table("positions", "streams", schema=SCHEMA)
