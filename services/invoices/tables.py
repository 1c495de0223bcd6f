"""The invoices service's tables (PostgreSQL schema ``invoices``): projections of ledger entries.

Every table but ``decision_times`` is a projection: dropping it and replaying the ledger's
``invoice:``, ``trade:``, ``consent:`` and ``financing:`` streams in global sequence order
rebuilds it row for row (``operations.rebuild``).

- ``positions``, ``processed_entries`` (the projection kit's tracking): per stream, the next
                         expected version and the last sequence; every ledger entry the
                         projection has handled, applied or refused by the domain (its code),
                         at most once per (stream, version): the idempotency record.
- ``events``             the domain events of each applied entry, with entry id, sequence and
                         ledger time; aggregates are loaded by replaying them.
- ``invoices``, ``claims``, ``trades``, ``consents``, ``financings``: query rows for lists,
  the cross-bank registry and the three-flow status.
- ``decision_times``     measured time from a command's arrival to its committed answer (not
                         ledger-derived, so a rebuild keeps it).
- ``sweep_marks``        per stream prefix, the sequence up to which every ledger entry was
                         found handled (by the periodic sweep, or before a financing decision).
- ``outbox``             (the kit's) events committed with the projection, not yet dispatched.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

from services.common.projection.tables import projection_tables

SCHEMA = "invoices"
metadata = MetaData(schema=SCHEMA)

TRACKING, OUTBOX = projection_tables(metadata)

events = Table(
    "events",
    metadata,
    Column("sequence", BigInteger, nullable=False),
    Column("position", SmallInteger, nullable=False),
    Column("entry_id", Text, nullable=False),
    Column("stream", Text, nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("ledger_time", DateTime(timezone=True), nullable=False),
    Column("payload", JSONB, nullable=False),
    PrimaryKeyConstraint("sequence", "position"),
    Index("events_by_stream", "stream", "sequence", "position"),
)

invoices = Table(
    "invoices",
    metadata,
    Column("number", Text, primary_key=True),
    Column("issue_date", Text, nullable=False),
    Column("seller", Text, nullable=False),
    Column("seller_credit_code", Text, nullable=False, index=True),
    Column("buyer_credit_code", Text, nullable=False, index=True),
    Column("buyer", Text),
    Column("trade_id", Text, index=True),
    Column("total_fen", BigInteger, nullable=False),
    Column("reversed_fen", BigInteger, nullable=False),
    Column("paid_fen", BigInteger, nullable=False),
    Column("outstanding_fen", BigInteger, nullable=False),
    Column("claimed_fen", BigInteger, nullable=False),
    Column("status", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_sequence", BigInteger, nullable=False),
)

claims = Table(
    "claims",
    metadata,
    Column("number", Text, nullable=False),
    Column("claim_id", Text, nullable=False),
    Column("bank", Text, nullable=False, index=True),
    Column("amount_fen", BigInteger, nullable=False),
    Column("position", SmallInteger, nullable=False),  # registration order: priority
    PrimaryKeyConstraint("number", "claim_id"),
)

trades = Table(
    "trades",
    metadata,
    Column("trade_id", Text, primary_key=True),
    Column("contract_number", Text, nullable=False),
    Column("seller", Text, nullable=False, index=True),
    Column("buyer", Text, nullable=False, index=True),
    Column("seller_credit_code", Text, nullable=False),
    Column("buyer_credit_code", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("contract_value_fen", BigInteger, nullable=False),
    Column("received_value_fen", BigInteger, nullable=False),
    Column("match_status", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_sequence", BigInteger, nullable=False),
)

consents = Table(
    "consents",
    metadata,
    Column("sme", Text, nullable=False),
    Column("bank", Text, nullable=False, index=True),
    PrimaryKeyConstraint("sme", "bank"),
)

financings = Table(
    "financings",
    metadata,
    Column("financing_id", Text, primary_key=True),
    Column("applicant", Text, nullable=False, index=True),
    Column("bank", Text, nullable=False, index=True),
    Column("amount_fen", BigInteger, nullable=False),
    Column("status", Text, nullable=False),
    Column("repaid_fen", BigInteger, nullable=False),
    Column("disbursement_ref", Text),
    Column("pledges", JSONB, nullable=False),
    Column("reasons", JSONB, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_sequence", BigInteger, nullable=False),
)

decision_times = Table(
    "decision_times",
    metadata,
    Column("entry_id", Text, primary_key=True),
    Column("stream", Text, nullable=False, index=True),
    Column("type", Text, nullable=False),
    Column("decision_ms", Float, nullable=False),
    Column("measured_at", DateTime(timezone=True), nullable=False),
)

sweep_marks = Table(
    "sweep_marks",
    metadata,
    Column("prefix", Text, primary_key=True),
    Column("sequence", BigInteger, nullable=False),  # every entry up to here was handled
)

# Rebuilt from the ledger; ``decision_times`` is a measurement and survives a rebuild, and
# what waits in the outbox is still sent.
PROJECTION_TABLES = (
    *TRACKING.tables,
    events,
    invoices,
    claims,
    trades,
    consents,
    financings,
)


# -- how an aggregate's state maps onto its query rows ---------------------------------------


def invoice_row(invoice) -> dict:
    names = (
        "number",
        "issue_date",
        "seller",
        "seller_credit_code",
        "buyer_credit_code",
        "buyer",
        "trade_id",
        "total_fen",
        "reversed_fen",
        "paid_fen",
        "outstanding_fen",
        "claimed_fen",
        "status",
    )
    return {name: getattr(invoice, name) for name in names}


def claim_rows(invoice) -> list[dict]:
    return [
        {
            "number": invoice.number,
            "claim_id": claim.claim_id,
            "bank": claim.bank,
            "amount_fen": claim.amount_fen,
            "position": position,
        }
        for position, claim in enumerate(invoice.claims)
    ]


def trade_row(trade) -> dict:
    names = (
        "trade_id",
        "contract_number",
        "seller",
        "buyer",
        "seller_credit_code",
        "buyer_credit_code",
        "status",
        "contract_value_fen",
        "received_value_fen",
    )
    return {name: getattr(trade, name) for name in names}


def consent_rows(consent) -> list[dict]:
    return [{"sme": consent.sme, "bank": bank} for bank in sorted(consent.banks)]


def financing_row(financing) -> dict:
    return {
        "financing_id": financing.financing_id,
        "applicant": financing.applicant,
        "bank": financing.bank,
        "amount_fen": financing.amount_fen,
        "status": financing.status,
        "repaid_fen": financing.repaid_fen,
        "disbursement_ref": financing.disbursement_ref,
        "pledges": [vars(pledge) for pledge in financing.pledges],
        "reasons": [vars(reason) for reason in financing.reasons],
    }
