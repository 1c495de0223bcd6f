"""The gateway's own tables (schema ``gateway``): portal users, each acting for one party, and
the browser keys they asked to have registered for it."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, String, Table

metadata = MetaData(schema="gateway")

users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("party_id", String(64), nullable=False, index=True),
    # "scrypt$n$r$p$salt$hash" (base64url): see ``passwords.py``
    Column("password_hash", String(256), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# One row per browser key a user enrolled (``enrolment.py``); the proof is kept so an operator
# can check it again before approving. ``entry_id`` is the ledger's ``key.register`` entry.
key_enrolments = Table(
    "key_enrolments",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("party_id", String(64), nullable=False, index=True),
    Column("username", String(64), nullable=False),
    Column("public_key", String(256), nullable=False),  # SPKI DER, base64url
    Column("signed_at", String(32), nullable=False),  # the proof's timestamp, as signed
    Column("proof_signature", String(128), nullable=False),  # base64url r||s
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=True),
    Column("entry_id", String(64), nullable=True),
)
