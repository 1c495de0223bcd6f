"""The projection kit's tables: the one-row ``cursor`` becomes the ``positions`` row of the
whole log (key ``*``), stored entries keep their stream version, and alerts not yet
dispatched move to the transactional ``outbox`` (``alerts`` keeps the record, without its
``dispatched`` flag).

0001 creates the tables as ``tables.py`` declares them, so a database created since has them
already; one created before is changed here. Every entry of a stream the credit book reads is
stored, from the ledger's first on, so a stored entry's stream version is its rank on its
stream.

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
SCHEMA = "credit"


def upgrade():
    if not sa.inspect(op.get_bind()).has_table("cursor", schema=SCHEMA):
        return
    op.create_table(
        "positions",
        sa.Column("stream", sa.Text, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("last_sequence", sa.BigInteger, nullable=False),
        schema=SCHEMA,
    )
    op.execute(
        f"INSERT INTO {SCHEMA}.positions (stream, version, last_sequence)"
        f" SELECT '*', next_sequence, next_sequence - 1 FROM {SCHEMA}.cursor"
    )
    op.drop_table("cursor", schema=SCHEMA)
    op.add_column("entries", sa.Column("stream_version", sa.Integer), schema=SCHEMA)
    op.execute(
        f"UPDATE {SCHEMA}.entries e SET stream_version = ranked.version FROM (SELECT sequence,"
        " row_number() OVER (PARTITION BY stream ORDER BY sequence) - 1 AS version"
        f" FROM {SCHEMA}.entries) ranked WHERE e.sequence = ranked.sequence"
    )
    op.alter_column("entries", "stream_version", nullable=False, schema=SCHEMA)
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        schema=SCHEMA,
    )
    op.execute(
        f"INSERT INTO {SCHEMA}.outbox (sequence, event, payload) SELECT tree_size - 1,"
        f" 'credit_alert_raised', payload FROM {SCHEMA}.alerts WHERE NOT dispatched ORDER BY id"
    )
    op.drop_column("alerts", "dispatched", schema=SCHEMA)


def downgrade():
    op.add_column(
        "alerts",
        sa.Column("dispatched", sa.Boolean, nullable=False, server_default=sa.true()),
        schema=SCHEMA,
    )
    op.drop_table("outbox", schema=SCHEMA)
    op.drop_column("entries", "stream_version", schema=SCHEMA)
    op.create_table(
        "cursor",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("next_sequence", sa.BigInteger, nullable=False),
        sa.Column("last_ledger_time", sa.Text),
        schema=SCHEMA,
    )
    op.execute(
        f"INSERT INTO {SCHEMA}.cursor (id, next_sequence, last_ledger_time) SELECT 1, version,"
        f" (SELECT max(ledger_time) FROM {SCHEMA}.entries) FROM {SCHEMA}.positions"
    )
    op.drop_table("positions", schema=SCHEMA)
