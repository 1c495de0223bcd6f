"""The credit service's tables (schema ``credit``): a projection of the ledger, nothing more.

- ``positions`` (the projection kit's tracking of the whole log): one row, the next ledger
  sequence to take. It is locked and moved in the same transaction that stores the entries
  and re-scores the parties they concern, so each ledger entry is taken exactly once whatever
  delivers it (the ``entries_committed`` event, a catch-up read, a redelivery).
- ``entries``: the ledger entries the credit book reads (membership, programmes, terms,
  trades, invoices, bills, financing), as the ledger holds them. ``score_at`` replays them.
- ``party_features``: each party's latest features with their entry ids, kept up to date for
  the parties each batch touches.
- ``scores``: each party's latest score, the baseline early-warning alerts compare against.
- ``alerts``: every ``credit_alert_raised``, once per party, tree size and kind; each is put
  in the kit's ``outbox`` in the same transaction, and dispatched after the commit (the relay
  timer sends any a crash left behind).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    Identity,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

from services.common.projection.tables import projection_tables

SCHEMA = "credit"
metadata = MetaData(schema=SCHEMA)

TRACKING, OUTBOX = projection_tables(metadata, per_stream=False)

entries = Table(
    "entries",
    metadata,
    Column("sequence", BigInteger, primary_key=True),
    Column("entry_id", Text, nullable=False, unique=True),
    Column("type", Text, nullable=False),
    Column("stream", Text, nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("signer", Text, nullable=False),
    Column("body", JSONB, nullable=False),
    Column("ledger_time", Text, nullable=False),
)

party_features = Table(
    "party_features",
    metadata,
    Column("party_id", Text, primary_key=True),
    Column("tree_size", BigInteger, nullable=False),
    Column("as_of", Text, nullable=False),
    Column("features", JSONB, nullable=False),
)

scores = Table(
    "scores",
    metadata,
    Column("party_id", Text, primary_key=True),
    Column("tree_size", BigInteger, nullable=False),
    Column("score", Integer, nullable=False),
    Column("grade", Text, nullable=False),
    Column("pd", Float, nullable=False),
    Column("knockouts", JSONB, nullable=False),
    Column("model_version", Text, nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("party_id", Text, nullable=False),
    Column("tree_size", BigInteger, nullable=False),
    Column("kind", Text, nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("party_id", "tree_size", "kind"),
)
