"""The bills service's tables (schema ``bills``): a projection of the ``bill:`` ledger streams.

Nothing here is a source of truth. Dropping every table and replaying the ledger's ``bill:``
entries (``projection.rebuild``) gives back the same rows.

- ``processed``: one row per stream, the stream version applied so far (entries on the stream
  that the projection has seen, whether the domain accepted them or not). It is also the row
  every applier locks, so one stream is projected by one worker at a time.
- ``entries``: every ledger entry applied, with the domain's refusal when it had no effect
  (an entry appended straight to the ledger can break a bill rule; it still holds its
  version).
- ``history``: the events, one row per event, with the entry that caused it. A bill's state is
  ``evolve`` over its history.
- ``bills`` and ``sub_ranges``: the current state, flattened for queries (holdings, payables,
  requests due for the timer).
- ``outbox``: events committed with the projection and not yet dispatched.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Identity,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "bills"
metadata = MetaData(schema=SCHEMA)

processed = Table(
    "processed",
    metadata,
    Column("stream", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("last_sequence", BigInteger, nullable=False),
)

entries = Table(
    "entries",
    metadata,
    Column("sequence", BigInteger, primary_key=True, autoincrement=False),
    Column("entry_id", Text, nullable=False, unique=True),
    Column("stream", Text, nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("package_no", Text, index=True),
    Column("type", Text, nullable=False),
    Column("signer", Text, nullable=False),
    Column("ledger_time", DateTime(timezone=True), nullable=False),
    Column("refusal_code", Text),
    Column("refusal_message", Text),
    UniqueConstraint("stream", "stream_version", name="one_entry_per_stream_version"),
)

history = Table(
    "history",
    metadata,
    Column("sequence", BigInteger, nullable=False),
    Column("position", SmallInteger, nullable=False),
    Column("package_no", Text, nullable=False, index=True),
    Column("entry_id", Text, nullable=False),
    Column("ledger_time", DateTime(timezone=True), nullable=False),
    Column("command_type", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("event", Text, nullable=False),
    Column("payload", JSONB, nullable=False),
    PrimaryKeyConstraint("sequence", "position"),
)

bills = Table(
    "bills",
    metadata,
    Column("package_no", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("supply_chain", Boolean, nullable=False),
    Column("drawer", Text, nullable=False, index=True),
    Column("acceptor", Text, nullable=False, index=True),
    Column("payee", Text, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("maturity_date", Date, nullable=False),
    Column("status", Text, nullable=False),
)

sub_ranges = Table(
    "sub_ranges",
    metadata,
    Column("package_no", Text, nullable=False),
    Column("start", BigInteger, nullable=False),
    Column("end", BigInteger, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("holder", Text, nullable=False, index=True),
    Column("creditor", Text, nullable=False, index=True),
    Column("status", Text, nullable=False),
    Column("pledgee", Text),
    Column("pending_type", Text),
    Column("pending_requester", Text),
    Column("pending_counterparty", Text, index=True),
    Column("pending_deadline", Date, index=True),
    PrimaryKeyConstraint("package_no", "start"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("sequence", BigInteger, nullable=False),
    Column("event", Text, nullable=False),
    Column("payload", JSONB, nullable=False),
)

PROJECTION_TABLES = (processed, entries, history, bills, sub_ranges, outbox)
