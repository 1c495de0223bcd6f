"""The gateway's own table (schema ``gateway``): portal users, each acting for one party."""

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
