"""The bills service's tables (schema ``bills``): a projection of the ``bill:`` ledger streams.

Nothing here is a source of truth. Dropping every table and replaying the ledger's ``bill:``
entries (``rebuild``) gives back the same rows.

- ``positions`` and ``processed_entries`` (the projection kit's tracking): per stream, the
  version applied so far, and every ledger entry applied, with the domain's refusal when it
  had no effect (an entry appended straight to the ledger can break a bill rule; it still
  holds its version). The position row is also what every applier locks, so one stream is
  projected by one worker at a time.
- ``history``: the events, one row per event, with the entry that caused it. A bill's state is
  ``evolve`` over its history.
- ``bills`` and ``sub_ranges``: the current state, flattened for queries (holdings, payables,
  requests due for the timer).
- ``outbox`` (the kit's): events committed with the projection and not yet dispatched.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

from services.common.projection.tables import projection_tables

SCHEMA = "bills"
metadata = MetaData(schema=SCHEMA)

TRACKING, OUTBOX = projection_tables(metadata)

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

# emptied by a rebuild (the outbox is not: what waits there is still sent)
PROJECTION_TABLES = (*TRACKING.tables, history, bills, sub_ranges)
