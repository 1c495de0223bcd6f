"""Receipts as c2sp.org/tlog-proof files (``.tlog-proof``), verifiable offline.

::

    c2sp.org/tlog-proof@v1
    extra <base64 of the entry's leaf bytes>
    index <sequence>
    <base64 inclusion proof hash, leaf's sibling first>
    ...
    <blank line>
    <the checkpoint note, verbatim, with its cosignatures>

The spec leaves the entry out (the verifier is expected to hold it) and offers the unauthenticated
``extra`` line for "additional data necessary to reconstruct the record hash". We put the
entry's leaf bytes (the canonical leaf record: signed envelope, signature, sequence, ledger
time) there, so the file stands alone; it is authenticated by the proof itself, since the leaf
hash computed from it must sit at ``index`` under the checkpoint's root. A verifier that holds
the entry may pass it instead and ignore ``extra``.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from ledger import canonical
from ledger.checkpoints import VerifiedCheckpoint, verify_checkpoint
from ledger.errors import InvalidReceipt, LedgerError
from ledger.merkle import leaf_hash, verify_inclusion
from ledger.receipts import leaf_bytes

HEADER = "c2sp.org/tlog-proof@v1"
_INDEX = re.compile(r"\Aindex (0|[1-9][0-9]{0,19})\Z")
_HASH = re.compile(r"\A[A-Za-z0-9+/]{43}=\Z")


@dataclass(frozen=True)
class VerifiedProof:
    index: int
    entry: bytes
    record: dict | None  # the leaf record, when the entry is one of ours
    checkpoint: VerifiedCheckpoint


def proof_from_receipt(receipt: dict) -> str:
    """A ``.tlog-proof`` file's text for a ledger receipt (full form, with its leaf)."""
    entry = leaf_bytes(receipt["leaf"])
    lines = [HEADER, f"extra {base64.b64encode(entry).decode()}", f"index {receipt['sequence']}"]
    lines += receipt["inclusion_proof"]
    return "\n".join(lines) + "\n\n" + receipt["checkpoint"]


def verify_proof(text: str, log_key=None, policy=None, entry: bytes | None = None) -> VerifiedProof:
    """Check a ``.tlog-proof`` offline; raise ``InvalidReceipt``.

    The checkpoint must be signed by ``log_key`` (either of the ledger's keys) and/or meet the
    witness ``policy``; the entry (``entry``, else the ``extra`` line) must hash to the leaf the
    inclusion proof places at ``index`` under the checkpoint's root.
    """
    if log_key is None and policy is None:
        raise InvalidReceipt("a proof is checked against a log key or a witness policy")
    index, extra, proof, note = _parse(text)
    entry = entry if entry is not None else extra
    if entry is None:
        raise InvalidReceipt("the proof carries no entry (no extra line) and none was given")
    try:
        checkpoint = verify_checkpoint(note, log_key) if log_key is not None else None
        if policy is not None:  # its result names the cosigners it knows
            checkpoint = policy.verify(note)
    except LedgerError as exc:
        raise InvalidReceipt(f"{exc.code}: {exc}") from None
    tree = checkpoint.checkpoint
    if not verify_inclusion(leaf_hash(entry), index, tree.tree_size, proof, tree.root_hash):
        raise InvalidReceipt("the inclusion proof does not place the entry under the checkpoint")
    return VerifiedProof(index, entry, _record(entry, index), checkpoint)


def _parse(text: str) -> tuple[int, bytes | None, list[bytes], str]:
    head, separator, note = text.partition("\n\n")
    lines = head.split("\n")
    if not separator or lines[0] != HEADER:
        raise InvalidReceipt(f"not a {HEADER} file")
    extra = None
    position = 1
    if len(lines) > 1 and lines[1].startswith("extra "):
        try:
            extra = base64.b64decode(lines[1][len("extra ") :], validate=True)
        except binascii.Error:
            raise InvalidReceipt("the extra line is not base64") from None
        position = 2
    index = _INDEX.match(lines[position]) if len(lines) > position else None
    if index is None:
        raise InvalidReceipt("no 'index <N>' line")
    hashes = lines[position + 1 :]
    if not all(_HASH.match(line) for line in hashes):
        raise InvalidReceipt("each inclusion proof line is one base64 SHA-256 hash")
    return int(index.group(1)), extra, [base64.b64decode(line) for line in hashes], note


def _record(entry: bytes, index: int) -> dict | None:
    """The leaf record if the entry is a canonical one of ours at this sequence."""
    try:
        record = canonical.decode(entry)
    except LedgerError:
        return None
    if not isinstance(record, dict) or record.get("sequence") != index:
        return None
    return record
