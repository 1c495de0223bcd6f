"""Operator tasks for the gateway: its schema, and the users of the portal."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert, update

from services.common.migrate import upgrade
from services.gateway.models import users
from services.gateway.passwords import hash_password

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def migrate(config: dict) -> None:
    """Create or upgrade the ``gateway`` schema in ``DATABASE_URL``."""
    upgrade(MIGRATIONS, config["DATABASE_URL"], "gateway")


def add_user(config: dict, username: str, party_id: str, password: str) -> None:
    """Create a portal user acting for ``party_id`` (replaces the password if it exists)."""
    if not username or len(username) > 64 or not party_id or len(password) < 8:
        raise ValueError("username (1-64), party and a password of 8+ characters are required")
    engine = create_engine(config["DATABASE_URL"])
    row = {"party_id": party_id, "password_hash": hash_password(password)}
    try:
        with engine.begin() as connection:
            changed = connection.execute(
                update(users).where(users.c.username == username).values(**row)
            ).rowcount
            if not changed:
                connection.execute(
                    insert(users).values(username=username, created_at=datetime.now(UTC), **row)
                )
    finally:
        engine.dispose()


def register_key(config: dict, party_id: str, public_key: str) -> dict:
    """The operator admits a browser's public key (SPKI DER, base64url) for an existing party:
    a ``key.register`` signed with ``OPERATOR_KEY_FILE``, appended to the ledger."""
    from ledger import read_private_key, sign_command
    from ledger.service.operations import rpc_proxy

    operator = config.get("OPERATOR_PARTY_ID", "operator")
    with rpc_proxy(config) as rpc:
        stream = f"party:{party_id}"
        command = sign_command(
            read_private_key(config["OPERATOR_KEY_FILE"]),
            type="key.register",
            stream=stream,
            expected_version=rpc.ledger.stream_version(stream),
            signer=operator,
            body={"party_id": party_id, "public_key": public_key},
            created_at=datetime.now(UTC),
        )
        return rpc.ledger.append_one(command.to_wire())
