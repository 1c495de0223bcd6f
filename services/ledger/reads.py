"""Read-side queries of the ledger service: entries, receipts, proofs, checkpoints, parties."""

from __future__ import annotations

import base64

from sqlalchemy import func, insert, select

from ledger import canonical
from ledger.checkpoints import attach_cosignature
from ledger.commands import b64encode
from ledger.errors import InvalidCheckpoint
from ledger.keys import key_suite
from ledger.merkle import store_consistency_proof, store_inclusion_proof
from ledger.notes import NoteKey
from ledger.receipts import make_receipt
from services.common.errors import CommandRejected, NotFound, ValidationFailed
from services.ledger.appender import latest_checkpoint_note, read_record
from services.ledger.merkle_store import PostgresMerkleStore
from services.ledger.tables import blocks, cosignatures, entries, parties, party_keys


def tree_size(connection) -> int:
    return connection.scalar(select(func.coalesce(func.max(entries.c.sequence) + 1, 0)))


def checkpoint(connection, size: int | None = None, witnessed: bool = False) -> dict:
    """The checkpoint at ``size`` (the latest; with ``witnessed``, the latest a witness has
    cosigned), its cosignature lines appended, and each cosigner's verifier keys (``vkey``
    strings from its ledger-registered keys) so that a reader can check every line."""
    if witnessed and size is None:
        size = connection.scalar(select(func.max(cosignatures.c.tree_size)))
        if size is None:
            raise NotFound("no witness has cosigned a checkpoint", code="CHECKPOINT_NOT_FOUND")
    note = latest_checkpoint_note(connection, size)
    if note is None:
        raise NotFound("no checkpoint at that size", code="CHECKPOINT_NOT_FOUND")
    size = int(note.split("\n")[1])
    cosigned = connection.execute(
        select(cosignatures.c.witness, cosignatures.c.line)
        .where(cosignatures.c.tree_size == size)
        .order_by(cosignatures.c.witness)
    ).all()
    return {
        "tree_size": size,
        "note": note + "".join(row.line for row in cosigned),
        "witnesses": witness_vkeys(connection, {row.witness for row in cosigned}),
    }


def witness_vkeys(connection, witnesses: set[str]) -> dict[str, list[str]]:
    """Every key each witness has registered, revoked ones included: a line cosigned before a
    revocation stays checkable."""
    if not witnesses:
        return {}
    rows = connection.execute(
        select(party_keys.c.party_id, party_keys.c.public_key)
        .where(party_keys.c.party_id.in_(witnesses))
        .order_by(party_keys.c.party_id, party_keys.c.registered_sequence)
    )
    vkeys: dict[str, list[str]] = {}
    for party_id, der in rows:
        vkeys.setdefault(party_id, []).append(NoteKey(party_id, bytes(der)).vkey())
    return vkeys


def receipt(connection, entry_id: str, size: int | None = None) -> dict:
    sequence = connection.scalar(select(entries.c.sequence).where(entries.c.entry_id == entry_id))
    if sequence is None:
        raise NotFound("no entry with that id", code="ENTRY_NOT_FOUND")
    signed = checkpoint(connection, size)
    if sequence >= signed["tree_size"]:
        raise ValidationFailed("that checkpoint does not cover the entry", code="NOT_COVERED")
    store = PostgresMerkleStore(connection, signed["tree_size"])
    proof = store_inclusion_proof(store, sequence)
    return make_receipt(read_record(connection, sequence), proof, signed["note"])


def entry(connection, sequence: int) -> dict:
    if sequence < 0 or sequence >= tree_size(connection):
        raise NotFound("no entry at that sequence", code="ENTRY_NOT_FOUND")
    record = read_record(connection, sequence)
    return {"sequence": sequence, **record}


def entries_after(connection, after: int, limit: int, stream_prefix: str | None) -> list[dict]:
    limit = max(1, min(int(limit), 5000))
    query = (
        select(entries.c.sequence, entries.c.entry_id, entries.c.leaf)
        .where(entries.c.sequence > after)
        .order_by(entries.c.sequence)
        .limit(limit)
    )
    if stream_prefix:
        query = query.where(entries.c.stream.startswith(stream_prefix, autoescape=True))
    return [
        {"sequence": sequence, "entry_id": entry_id, **canonical.decode(leaf.encode())}
        for sequence, entry_id, leaf in connection.execute(query)
    ]


def stream_version(connection, stream: str) -> int:
    return connection.scalar(
        select(func.coalesce(func.max(entries.c.stream_version) + 1, 0)).where(
            entries.c.stream == stream
        )
    )


def consistency(connection, old_size: int, new_size: int | None) -> dict:
    size = tree_size(connection)
    new_size = size if new_size is None else new_size
    if not 0 <= old_size <= new_size <= size:
        raise ValidationFailed("need 0 <= old_size <= new_size <= tree size", code="BAD_RANGE")
    store = PostgresMerkleStore(connection, size)
    proof = store_consistency_proof(store, old_size, new_size)
    return {
        "old_size": old_size,
        "new_size": new_size,
        "proof": [base64.b64encode(node).decode() for node in proof],
    }


def add_cosignature(connection, size: int, witness: str, line: str, now) -> dict:
    note = latest_checkpoint_note(connection, size)
    if note is None:
        raise NotFound("no checkpoint at that size", code="CHECKPOINT_NOT_FOUND")
    keys = connection.scalars(
        select(party_keys.c.public_key).where(
            party_keys.c.party_id == witness, party_keys.c.revoked_sequence.is_(None)
        )
    ).all()
    for der in keys:
        try:
            attach_cosignature(note, line, NoteKey(witness, bytes(der)))
        except InvalidCheckpoint:
            continue
        connection.execute(
            insert(cosignatures).values(tree_size=size, witness=witness, line=line, created_at=now)
        )
        return checkpoint(connection, size)
    raise CommandRejected(
        "COSIGNATURE_REFUSED", "the line is not a valid cosignature by this party"
    )


def party(connection, party_id: str) -> dict:
    row = connection.execute(select(parties).where(parties.c.party_id == party_id)).first()
    if row is None:
        raise NotFound("no such party", code="PARTY_UNKNOWN")
    keys = connection.execute(
        select(party_keys)
        .where(party_keys.c.party_id == party_id)
        .order_by(party_keys.c.registered_sequence)
    )
    return {
        **row._asdict(),
        "keys": [
            {
                "key_id": key.key_id,
                "public_key": b64encode(bytes(key.public_key)),
                "alg": key_suite(bytes(key.public_key)),
                "distinguishing_id": key.distinguishing_id,
                "registered_sequence": key.registered_sequence,
                "revoked_sequence": key.revoked_sequence,
            }
            for key in keys
        ],
    }


def parties_list(connection, kind: str | None) -> list[dict]:
    query = select(parties).order_by(parties.c.admitted_sequence)
    if kind:
        query = query.where(parties.c.kind == kind)
    return [row._asdict() for row in connection.execute(query)]


def blocks_after(connection, after_height: int, limit: int) -> list[dict]:
    rows = connection.execute(
        select(blocks.c.header, blocks.c.signature)
        .where(blocks.c.height > after_height)
        .order_by(blocks.c.height)
        .limit(max(1, min(int(limit), 1000)))
    )
    return [
        {
            "header": canonical.decode(bytes(header)),
            "signature": b64encode(bytes(signature)),
        }
        for header, signature in rows
    ]
