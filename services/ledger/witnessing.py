"""Getting the ledger's checkpoints witnessed by the witnesses its policy file names.

Every second (``LedgerService.witness_latest``) the latest checkpoint is offered to each witness
with a URL in ``LEDGER_WITNESS_POLICY_FILE`` by c2sp.org/tlog-witness ``add-checkpoint``; the
cosignature lines that verify are stored in ``ledger.cosignatures`` beside the platform
witnesses' lines, and ``get_checkpoint(witnessed=True)`` (the portal, receipts, bundles, the
tile API's ``/checkpoint``) serves the latest checkpoint whose cosignatures meet the policy's
quorum. Group commit signs many checkpoints a second; witnesses see the latest one each round,
which is all a witness needs (any later checkpoint proves consistent with it).
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from ledger.merkle import store_consistency_proof
from ledger.witness_client import WitnessClient
from ledger.witness_policy import WitnessPolicy
from services.ledger.appender import latest_checkpoint_note
from services.ledger.merkle_store import PostgresMerkleStore
from services.ledger.reads import checkpoint
from services.ledger.tables import cosignatures

log = logging.getLogger(__name__)
RECENT_SIZES = 50  # how many cosigned sizes a witnessed read looks back through


def witness_latest(engine, policy: WitnessPolicy, client: WitnessClient, now) -> dict | None:
    """One round; returns the latest witnessed checkpoint if it is the latest checkpoint."""
    with engine.connect() as connection:
        note = latest_checkpoint_note(connection)
        if note is None:
            return None
        size = int(note.split("\n")[1])
        current = checkpoint(connection, size)
        if policy.satisfied_by(policy.cosigners_of(current["note"])):
            return current

    def proof_for(old: int, new: int) -> list[bytes]:
        if old == 0 or old == new:
            return []
        with engine.connect() as connection:
            return store_consistency_proof(PostgresMerkleStore(connection, new), old, new)

    answers = client.cosign(note, proof_for)
    for answer in answers:
        if answer.problem:
            log.warning(
                "witness %s did not cosign %d: %s", answer.endpoint.name, size, answer.problem
            )
    lines = [answer for answer in answers if answer.line]
    if lines:
        with engine.begin() as connection:
            rows = [
                {
                    "tree_size": size,
                    "witness": a.endpoint.key.name,
                    "line": a.line,
                    "created_at": now,
                }
                for a in lines
            ]
            connection.execute(insert(cosignatures).values(rows).on_conflict_do_nothing())
    with engine.connect() as connection:
        return witnessed_checkpoint(connection, policy, size)


def witnessed_checkpoint(connection, policy: WitnessPolicy, at_most: int | None = None):
    """The latest checkpoint (of size ``<= at_most``) whose cosignatures meet the quorum, with
    the policy's cosigner vkeys; None if there is none among the recent cosigned sizes."""
    query = select(cosignatures.c.tree_size).distinct().order_by(cosignatures.c.tree_size.desc())
    if at_most is not None:
        query = query.where(cosignatures.c.tree_size <= at_most)
    for size in connection.scalars(query.limit(RECENT_SIZES)):
        candidate = checkpoint(connection, size)
        if policy.satisfied_by(policy.cosigners_of(candidate["note"])):
            return {**candidate, "cosigners": cosigner_vkeys(policy)}
    return None


def cosigner_vkeys(policy: WitnessPolicy) -> dict[str, str]:
    """Each policy witness's vkey by the key name its lines carry."""
    return {witness.key.name: witness.key.vkey() for witness in policy.witnesses.values()}
