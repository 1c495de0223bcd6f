"""Receipts: what the ledger returns for an accepted command, verifiable offline.

The ledger's leaf for an entry is the canonical encoding of its *leaf record*: the signed
envelope, its signature, and the sequence number and ledger time the ledger assigned. Hashing
sequence and time into the leaf means a receipt proves them too, not just the command.

A receipt carries the leaf record, the inclusion proof (base64 hashes) and the signed checkpoint
note it proves against, and names the command's signature suite (``alg``: ``ecdsa-p256-sha256``
or ``sm2-sm3``, as the envelope says; receipts made before SM2 have none and are P-256).
``verify_receipt`` needs nothing but the ledger's public note key (and, to check the command
itself, the signer's public key, with its distinguishing ID when an SM2 key registered one).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from ledger import canonical
from ledger.checkpoints import VerifiedCheckpoint, verify_checkpoint
from ledger.commands import SignedCommand, b64decode, b64encode
from ledger.errors import InvalidReceipt, LedgerError
from ledger.merkle import leaf_hash, verify_inclusion
from ledger.notes import NoteKey
from ledger.signatures import suite_of, verify
from ledger.suites import DEFAULT_SUITE


def leaf_record(command: SignedCommand, sequence: int, ledger_time: str) -> dict:
    return {
        "envelope": command.envelope,
        "signature": b64encode(command.signature),
        "sequence": sequence,
        "ledger_time": ledger_time,
    }


def leaf_bytes(record: dict) -> bytes:
    return canonical.encode(record)


@dataclass(frozen=True)
class VerifiedReceipt:
    entry_id: str
    sequence: int
    ledger_time: str
    command: SignedCommand
    checkpoint: VerifiedCheckpoint


def make_receipt(
    record: dict, proof: list[bytes], checkpoint_note: str, entry_id: str | None = None
) -> dict:
    """A receipt for a leaf record; pass ``entry_id`` when the caller already computed it."""
    if entry_id is None:
        entry_id = SignedCommand.from_parts(
            record["envelope"], b64decode(record["signature"])
        ).entry_id
    return {
        "entry_id": entry_id,
        "alg": record["envelope"].get("alg", DEFAULT_SUITE),
        "sequence": record["sequence"],
        "ledger_time": record["ledger_time"],
        "leaf": record,
        "inclusion_proof": [base64.b64encode(node).decode() for node in proof],
        "checkpoint": checkpoint_note,
    }


def compact_receipt(receipt: dict) -> dict:
    """A receipt without what the submitter already holds: its own command and the checkpoint
    (which a batch answer carries once for all its entries)."""
    return {key: value for key, value in receipt.items() if key not in ("leaf", "checkpoint")}


def expand_receipt(compact: dict, signed_command: dict, checkpoint_note: str) -> dict:
    """Rebuild a full receipt from a compact one, the command that was sent, and the
    checkpoint of the batch answer; ``verify_receipt`` then checks it as usual."""
    record = {
        "envelope": signed_command["envelope"],
        "signature": signed_command["signature"],
        "sequence": compact["sequence"],
        "ledger_time": compact["ledger_time"],
    }
    return {**compact, "leaf": record, "checkpoint": checkpoint_note}


def verify_receipt(
    receipt: dict,
    ledger_key: NoteKey | None,
    signer_public_key_der: bytes | None = None,
    witness_keys: list[NoteKey] = (),
    min_cosignatures: int = 0,
    policy=None,
    signer_distinguishing_id: bytes | None = None,
) -> VerifiedReceipt:
    """Check a receipt offline; raise ``InvalidReceipt`` naming what does not hold.

    Checks: the leaf is a well-formed signed command whose id, sequence and time match the
    receipt; the checkpoint is signed by the ledger (``ledger_key``: either of its keys) and
    cosigned as required — ``min_cosignatures`` of ``witness_keys``, and/or the quorum of a
    ``ledger.witness_policy.WitnessPolicy``; the inclusion proof places the leaf at its sequence
    in the checkpoint's tree; the receipt's ``alg`` (when it has one) is the envelope's; and,
    when the signer's key is given, that the key is of that suite and the command's signature
    verifies (under ``signer_distinguishing_id`` for an SM2 key that registered one).
    """
    if ledger_key is None and policy is None:
        raise InvalidReceipt("a receipt is checked against a ledger key or a witness policy")
    try:
        record = receipt["leaf"]
        command = SignedCommand.from_parts(record["envelope"], b64decode(record["signature"]))
        proof = [base64.b64decode(node, validate=True) for node in receipt["inclusion_proof"]]
        if ledger_key is not None:
            checkpoint = verify_checkpoint(
                receipt["checkpoint"], ledger_key, list(witness_keys), min_cosignatures
            )
        if policy is not None:  # its result names the cosigners it knows
            checkpoint = policy.verify(receipt["checkpoint"])
    except (KeyError, TypeError, binascii.Error) as exc:
        raise InvalidReceipt(f"malformed receipt: {exc}") from None
    except LedgerError as exc:
        raise InvalidReceipt(f"{exc.code}: {exc}") from None
    if command.entry_id != receipt.get("entry_id"):
        raise InvalidReceipt("entry id is not the hash of the envelope")
    if record.get("sequence") != receipt.get("sequence"):
        raise InvalidReceipt("sequence differs between receipt and leaf")
    if record.get("ledger_time") != receipt.get("ledger_time"):
        raise InvalidReceipt("ledger time differs between receipt and leaf")
    if "sequence" not in record or "ledger_time" not in record:
        raise InvalidReceipt("malformed receipt: the leaf has no sequence or ledger time")
    if receipt.get("alg", command.alg) != command.alg:
        raise InvalidReceipt("the receipt's alg is not the envelope's")
    try:
        leaf = leaf_hash(leaf_bytes(record))
    except LedgerError as exc:  # e.g. a float smuggled into the leaf record
        raise InvalidReceipt(f"{exc.code}: {exc}") from None
    tree = checkpoint.checkpoint
    if not verify_inclusion(leaf, record["sequence"], tree.tree_size, proof, tree.root_hash):
        raise InvalidReceipt("inclusion proof does not match the checkpoint")
    if signer_public_key_der is not None:
        if suite_of(signer_public_key_der) not in (None, command.alg):  # None: no key at all
            raise InvalidReceipt(f"KEY_ALG_MISMATCH: the signer's key is not an {command.alg} key")
        if not verify(
            signer_public_key_der, command.message, command.signature, signer_distinguishing_id
        ):
            raise InvalidReceipt("command signature does not verify with the signer's key")
    return VerifiedReceipt(
        command.entry_id, record["sequence"], record["ledger_time"], command, checkpoint
    )
