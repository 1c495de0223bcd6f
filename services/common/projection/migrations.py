"""The kit's tables in the services' migrations.

Each service's first migration creates its tables as its ``tables.py`` declares them today,
so a database created since the kit has the kit's tables from the start; a database created
before has the service's earlier tables, which its second migration turns into the kit's.
``predates_the_kit`` tells the two apart. Each ``create_…`` keeps the shape it first created:
a later change to a kit table is a new function, so that a migration once run stays true.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB


def predates_the_kit(schema: str, earlier_table: str) -> bool:
    """Whether the database still has a table the service had before the kit."""
    return sa.inspect(op.get_bind()).has_table(earlier_table, schema=schema)


def create_positions(schema: str) -> None:
    op.create_table(
        "positions",
        sa.Column("stream", sa.Text, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("last_sequence", sa.BigInteger, nullable=False),
        schema=schema,
    )


def create_outbox(schema: str) -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        schema=schema,
    )
