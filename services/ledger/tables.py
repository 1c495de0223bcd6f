"""The ledger's tables (schema ``ledger``).

Append-only: ``entries``, ``merkle_nodes``, ``blocks``, ``checkpoints``, ``cosignatures`` —
PostgreSQL refuses UPDATE, DELETE and TRUNCATE on them (trigger and privileges, see the first
migration). Projections rebuilt from entries: ``parties``, ``party_keys``.
"""

from __future__ import annotations

from psycopg2.extras import execute_values
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA = "ledger"
APPEND_ONLY_TABLES = ("entries", "merkle_nodes", "blocks", "checkpoints", "cosignatures")
metadata = MetaData(schema=SCHEMA)

entries = Table(
    "entries",
    metadata,
    Column("sequence", BigInteger, primary_key=True, autoincrement=False),
    Column("entry_id", Text, nullable=False, unique=True),
    Column("stream", Text, nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("type", Text, nullable=False),
    Column("signer", Text, nullable=False),
    Column("key_id", Text, nullable=False),
    Column("nonce", Text, nullable=False),
    Column("ledger_time", DateTime(timezone=True), nullable=False),
    Column("leaf", Text, nullable=False),  # canonical JSON is UTF-8 text: no hex escaping
    UniqueConstraint("stream", "stream_version", name="one_entry_per_stream_version"),
    UniqueConstraint("signer", "nonce", name="one_use_per_nonce"),
)

# Perfect-subtree hashes from level 1 up; level 0 (leaf hashes) is recomputed from entries.
merkle_nodes = Table(
    "merkle_nodes",
    metadata,
    Column("level", SmallInteger, nullable=False),
    Column("index", BigInteger, nullable=False),
    Column("hash", LargeBinary, nullable=False),
    PrimaryKeyConstraint("level", "index"),
)

blocks = Table(
    "blocks",
    metadata,
    Column("height", BigInteger, primary_key=True, autoincrement=False),
    Column("tree_size", BigInteger, nullable=False),
    Column("header", LargeBinary, nullable=False),
    Column("signature", LargeBinary, nullable=False),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("tree_size", BigInteger, primary_key=True, autoincrement=False),
    Column("note", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

cosignatures = Table(
    "cosignatures",
    metadata,
    Column("tree_size", BigInteger, nullable=False),
    Column("witness", Text, nullable=False),
    Column("line", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("tree_size", "witness"),
)

parties = Table(
    "parties",
    metadata,
    Column("party_id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("credit_code", Text),
    Column("admitted_sequence", BigInteger, nullable=False),
)

party_keys = Table(
    "party_keys",
    metadata,
    Column("key_id", Text, primary_key=True),
    Column("party_id", Text, nullable=False, index=True),
    Column("public_key", LargeBinary, nullable=False),
    Column("registered_sequence", BigInteger, nullable=False),
    Column("revoked_sequence", BigInteger),
    # an SM2 key's registered distinguishing ID; NULL for the default and for P-256 keys
    Column("distinguishing_id", Text),
)


def bulk_insert(connection, table: Table, rows: list[dict], page_size: int = 250) -> None:
    """Insert many rows in multi-row statements built by psycopg2 in C: far less Python per row
    than SQLAlchemy's executemany, which matters when one commit holds thousands of entries."""
    if not rows:
        return
    columns = list(rows[0])
    quoted = ", ".join(f'"{column}"' for column in columns)
    statement = f"INSERT INTO {table.schema}.{table.name} ({quoted}) VALUES %s"
    values = [tuple(row[column] for column in columns) for row in rows]
    with connection.connection.cursor() as cursor:
        execute_values(cursor, statement, values, page_size=page_size)
