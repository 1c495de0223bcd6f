"""Credit with the projection kit: its one-row ``cursor`` becomes the ``positions`` row of the
whole log (key ``*``); stored entries keep their stream version (every entry of a stream the
book reads is stored from the ledger's first on, so its version is its rank on its stream);
alerts not yet sent move to the transactional outbox, and ``alerts`` drops ``dispatched``.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from services.common.projection.migrations import (
    create_outbox,
    create_positions,
    predates_the_kit,
)

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None
SCHEMA = "credit"
RANKED = (
    "UPDATE {0}.entries e SET stream_version = ranked.version FROM (SELECT sequence,"
    " row_number() OVER (PARTITION BY stream ORDER BY sequence) - 1 AS version"
    " FROM {0}.entries) ranked WHERE e.sequence = ranked.sequence"
)


def upgrade():
    if not predates_the_kit(SCHEMA, "cursor"):
        return
    create_positions(SCHEMA)
    op.execute(
        f"INSERT INTO {SCHEMA}.positions (stream, version, last_sequence)"
        f" SELECT '*', next_sequence, next_sequence - 1 FROM {SCHEMA}.cursor"
    )
    op.drop_table("cursor", schema=SCHEMA)
    op.add_column("entries", sa.Column("stream_version", sa.Integer), schema=SCHEMA)
    op.execute(RANKED.format(SCHEMA))
    op.alter_column("entries", "stream_version", nullable=False, schema=SCHEMA)
    create_outbox(SCHEMA)
    op.execute(
        f"INSERT INTO {SCHEMA}.outbox (sequence, event, payload) SELECT tree_size - 1,"
        f" 'credit_alert_raised', payload FROM {SCHEMA}.alerts WHERE NOT dispatched ORDER BY id"
    )
    op.drop_column("alerts", "dispatched", schema=SCHEMA)


def downgrade():
    sent = sa.Column("dispatched", sa.Boolean, nullable=False, server_default=sa.true())
    op.add_column("alerts", sent, schema=SCHEMA)
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
