"""Operator tasks for the gateway: its schema, the users of the portal, and the browser keys
they enrol (stored here, registered on the ledger by the operator's ``key.register``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert, select, update
from sqlalchemy.dialects.postgresql import insert as insert_new

from services.common.migrate import upgrade
from services.gateway.domain.enrolment import Enrolment
from services.gateway.errors import EnrolmentKeyTaken
from services.gateway.passwords import hash_password
from services.gateway.tables import key_enrolments, users

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


def key_registration(operator_key, operator_id: str, party_id, public_key, version, now) -> dict:
    """The operator's signed ``key.register`` admitting ``public_key`` for ``party_id``."""
    from ledger import sign_command

    return sign_command(
        operator_key,
        type="key.register",
        stream=f"party:{party_id}",
        expected_version=version,
        signer=operator_id,
        body={"party_id": party_id, "public_key": public_key},
        created_at=now,
    ).to_wire()


def register_key(config: dict, party_id: str, public_key: str, now: datetime | None = None):
    """The operator admits a browser's public key (SPKI DER, base64url) for an existing party:
    a ``key.register`` signed with ``OPERATOR_KEY_FILE``, appended to the ledger."""
    from ledger import read_private_key
    from services.ledger.operations import rpc_proxy

    operator_key = read_private_key(config["OPERATOR_KEY_FILE"])
    operator = config.get("OPERATOR_PARTY_ID", "operator")
    with rpc_proxy(config) as rpc:
        version = rpc.ledger.stream_version(f"party:{party_id}")
        wire = key_registration(
            operator_key, operator, party_id, public_key, version, now or datetime.now(UTC)
        )
        return rpc.ledger.append_one(wire)


# -- enrolments -------------------------------------------------------------------------------


def enrolment_status(row) -> dict:
    """An enrolment as the API answers it: ``status`` is ``pending`` or ``registered``."""
    return {
        "key_id": row.key_id,
        "party_id": row.party_id,
        "username": row.username,
        "status": "registered" if row.registered_at else "pending",
        "requested_at": row.requested_at.isoformat(),
        "registered_at": row.registered_at.isoformat() if row.registered_at else None,
        "entry_id": row.entry_id,
    }


def record_enrolment(connection, enrolment: Enrolment, now: datetime):
    """Store a new enrolment, or return the one already stored for the key (idempotent);
    ``ENROLMENT_KEY_TAKEN`` when another party enrolled that key."""
    connection.execute(
        insert_new(key_enrolments)
        .values(
            key_id=enrolment.key_id,
            party_id=enrolment.party_id,
            username=enrolment.username,
            public_key=enrolment.public_key,
            signed_at=enrolment.signed_at,
            proof_signature=enrolment.signature,
            requested_at=now,
        )
        .on_conflict_do_nothing(index_elements=["key_id"])
    )
    found = _enrolment(connection, enrolment.key_id)
    if found.party_id != enrolment.party_id:
        raise EnrolmentKeyTaken("this key is enrolled for another party")
    return found


def mark_registered(connection, key_id: str, entry_id: str | None, now: datetime):
    connection.execute(
        update(key_enrolments)
        .where(key_enrolments.c.key_id == key_id, key_enrolments.c.registered_at.is_(None))
        .values(registered_at=now, entry_id=entry_id)
    )
    return _enrolment(connection, key_id)


def _enrolment(connection, key_id: str):
    return connection.execute(
        select(key_enrolments).where(key_enrolments.c.key_id == key_id)
    ).first()


def pending_enrolments(config: dict) -> list[dict]:
    """Enrolments waiting for the operator, oldest first."""
    engine = create_engine(config["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(key_enrolments)
                .where(key_enrolments.c.registered_at.is_(None))
                .order_by(key_enrolments.c.requested_at)
            )
            return [enrolment_status(row) for row in rows]
    finally:
        engine.dispose()


def approve_enrolments(config: dict, key_ids: list[str], now: datetime | None = None) -> list:
    """The operator approves pending enrolments: each key gets its ``key.register``."""
    approved = []
    engine = create_engine(config["DATABASE_URL"])
    try:
        for key_id in key_ids:
            with engine.begin() as connection:
                row = _enrolment(connection, key_id)
                if row is None or row.registered_at is not None:
                    continue
                receipt = register_key(config, row.party_id, row.public_key, now)
                moment = now or datetime.now(UTC)
                row = mark_registered(connection, key_id, receipt["entry_id"], moment)
                approved.append(enrolment_status(row))
    finally:
        engine.dispose()
    return approved
