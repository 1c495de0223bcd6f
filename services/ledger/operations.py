"""Operator tasks behind the CLI: settings from config, bootstrap, evidence export, RPC proxy."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, select

from ledger.bundle import FORMAT as BUNDLE_FORMAT
from ledger.bundle import bundle_key
from ledger.commands import b64encode, entry_id, sign_command
from ledger.ed25519 import Ed25519NoteKey, read_ed25519_key
from ledger.keys import public_key_der, read_private_key
from ledger.notes import NoteKey
from services.common.migrate import upgrade
from services.ledger import reads
from services.ledger.appender import LedgerSettings, read_record
from services.ledger.tables import parties, party_keys

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def ledger_settings(config: dict) -> LedgerSettings:
    return LedgerSettings(
        origin=config.get("LEDGER_ORIGIN", "billchain.local/ledger"),
        ledger_key=read_private_key(config["LEDGER_KEY_FILE"]),
        ed25519_key=read_ed25519_key(config["LEDGER_ED25519_KEY_FILE"]),
        window=timedelta(seconds=int(config.get("LEDGER_WINDOW_SECONDS", 300))),
        block_size=int(config.get("LEDGER_BLOCK_SIZE", 1000)),
    )


def note_key(settings: LedgerSettings) -> NoteKey:
    """The ledger's P-256 verifier key (type 0x02)."""
    return NoteKey.of(settings.origin, settings.ledger_key)


def ed25519_note_key(settings: LedgerSettings) -> Ed25519NoteKey:
    """The ledger's Ed25519 verifier key (type 0x01), what standard tlog tools pin."""
    return Ed25519NoteKey.of(settings.origin, settings.ed25519_key)


def migrate(config: dict) -> None:
    upgrade(MIGRATIONS, config["DATABASE_URL"], "ledger")


def bootstrap(config: dict) -> str:
    """Migrate, then admit the operator with its own key if the ledger is empty (idempotent)."""
    from services.ledger.direct import append_direct

    migrate(config)
    engine = create_engine(config["DATABASE_URL"])
    with engine.connect() as connection:
        if connection.scalar(select(parties.c.party_id).limit(1)) is not None:
            engine.dispose()
            return "ledger already bootstrapped"
    operator_key = read_private_key(config["OPERATOR_KEY_FILE"])
    operator_id = config.get("OPERATOR_PARTY_ID", "operator")
    command = sign_command(
        operator_key,
        type="party.admit",
        stream=f"party:{operator_id}",
        expected_version=0,
        signer=operator_id,
        body={
            "party_id": operator_id,
            "kind": "operator",
            "name": config.get("OPERATOR_NAME", "Platform operator"),
            "public_key": b64encode(public_key_der(operator_key)),
        },
        created_at=datetime.now(UTC),
    )
    (outcome,) = append_direct(engine, ledger_settings(config), [command])
    engine.dispose()
    if outcome.refusal:
        raise SystemExit(f"bootstrap refused: {outcome.refusal.to_dict()}")
    return f"operator {operator_id} admitted at sequence {outcome.sequence}"


def export_bundle(config: dict, sequences: list[int]) -> dict:
    """Receipts for the chosen entries against the latest checkpoint, with the signers' keys."""
    engine = create_engine(config["DATABASE_URL"])
    settings = ledger_settings(config)
    with engine.connect() as connection:
        latest = reads.checkpoint(connection)
        receipts, keys = [], {}
        for sequence in sequences:
            record = read_record(connection, sequence)
            receipt = reads.receipt(connection, entry_id(record["envelope"]), latest["tree_size"])
            receipts.append(receipt)
            key_id = record["envelope"]["key_id"]
            der, distinguishing_id = connection.execute(
                select(party_keys.c.public_key, party_keys.c.distinguishing_id).where(
                    party_keys.c.key_id == key_id
                )
            ).one()
            keys[key_id] = bundle_key(bytes(der), distinguishing_id)
    engine.dispose()
    return {
        "format": BUNDLE_FORMAT,
        "ledger_vkey": note_key(settings).vkey(),
        "checkpoint": latest["note"],
        "receipts": receipts,
        "public_keys": keys,
    }


def export_proof(config: dict, sequence: int, witnessed: bool = False) -> str:
    """The entry's receipt as a c2sp.org/tlog-proof file, against the latest checkpoint (with
    ``witnessed``: the latest that meets ``LEDGER_WITNESS_POLICY_FILE``'s quorum)."""
    from ledger.tlog_proof import proof_from_receipt
    from ledger.witness_policy import WitnessPolicy
    from services.ledger.witnessing import witnessed_checkpoint

    engine = create_engine(config["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            size = None
            if witnessed:
                policy = WitnessPolicy.read(config["LEDGER_WITNESS_POLICY_FILE"])
                found = witnessed_checkpoint(connection, policy)
                if found is None:
                    raise SystemExit("no checkpoint meets the witness quorum yet")
                size = found["tree_size"]
            record = read_record(connection, sequence)
            receipt = reads.receipt(connection, entry_id(record["envelope"]), size)
    finally:
        engine.dispose()
    return proof_from_receipt(receipt)


@contextmanager
def rpc_proxy(config: dict, timeout: float = 30):
    from nameko.standalone.rpc import ClusterRpcProxy

    import services.common.entrypoints  # noqa: F401  (refusals come back as CommandRejected)
    from services.common.serialization import NAMEKO_SERIALIZER_CONFIG

    with ClusterRpcProxy({**NAMEKO_SERIALIZER_CONFIG, **config}, timeout=timeout) as rpc:
        yield rpc
