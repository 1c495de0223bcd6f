"""The projection kit's tables: ``streams`` becomes ``positions`` (without ``kind``, which the
stream names), ``processed_entries`` keeps the refusal's message instead of an outcome (a
refusal code says the entry was refused), and the transactional ``outbox``.

0001 creates the tables as ``tables.py`` declares them, so a database created since has them
already; one created before is changed here.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None
SCHEMA = "invoices"


def upgrade():
    if not sa.inspect(op.get_bind()).has_table("streams", schema=SCHEMA):
        return
    op.rename_table("streams", "positions", schema=SCHEMA)
    op.drop_column("positions", "kind", schema=SCHEMA)
    op.add_column("processed_entries", sa.Column("refusal_message", sa.Text), schema=SCHEMA)
    op.drop_column("processed_entries", "outcome", schema=SCHEMA)
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        schema=SCHEMA,
    )


def downgrade():
    op.drop_table("outbox", schema=SCHEMA)
    outcome = sa.Column("outcome", sa.Text, nullable=False, server_default="applied")
    op.add_column("processed_entries", outcome, schema=SCHEMA)
    op.execute(
        f"UPDATE {SCHEMA}.processed_entries SET outcome = 'refused' WHERE refusal_code IS NOT NULL"
    )
    op.drop_column("processed_entries", "refusal_message", schema=SCHEMA)
    op.add_column("positions", sa.Column("kind", sa.Text), schema=SCHEMA)
    op.execute(f"UPDATE {SCHEMA}.positions SET kind = split_part(stream, ':', 1)")
    op.rename_table("positions", "streams", schema=SCHEMA)
