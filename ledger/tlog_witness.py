"""The witness side of c2sp.org/tlog-witness ``add-checkpoint``, as pure decisions.

A request body is ``old <size>\\n``, up to 63 base64 consistency-proof lines, a blank line,
then a signed checkpoint. ``decide`` checks it against the logs this witness trusts and the
latest checkpoint it cosigned for that origin, in the order the spec gives, and says either
what to answer (``Answer``) or what to record and cosign (``Accepted``). Persisting the new
state and signing are the server's (``ledger.witness_server``), under one lock.

=======  ===========================================================================
status   when
=======  ===========================================================================
400      malformed body; old size larger than the checkpoint's; a proof with old size 0
403      no signature on the checkpoint by a key this witness trusts for its origin
404      the origin is not a log this witness knows
409      old size is not the size last cosigned (body ``<size>\\n``, ``text/x.tlog.size``),
         or the same size with another root hash
422      the consistency proof does not verify
200      cosignature lines
=======  ===========================================================================
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from ledger.checkpoints import Checkpoint
from ledger.errors import LedgerError
from ledger.merkle import verify_consistency
from ledger.notes import parse_note, verify_note

MAX_PROOF_LINES = 63
MAX_BODY_BYTES = 64 * 1024
SIZE_TYPE = "text/x.tlog.size"
_OLD = re.compile(r"\Aold (0|[1-9][0-9]{0,19})\Z")
_HASH = re.compile(r"\A[A-Za-z0-9+/]{43}=\Z")


class BadRequest(LedgerError):
    """Raised when an add-checkpoint body is not of the protocol's form (answered 400)."""

    code = "BAD_REQUEST"


@dataclass(frozen=True)
class AddCheckpoint:
    old_size: int
    proof: tuple[bytes, ...]
    note: str


@dataclass(frozen=True)
class LogState:
    """The latest checkpoint this witness cosigned for one origin."""

    tree_size: int = 0
    root_hash: bytes = b""


@dataclass(frozen=True)
class Answer:
    """A refusal to send as it is: HTTP status, content type, body."""

    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class Accepted:
    """The checks passed: record ``state`` for ``origin``, then cosign ``text``."""

    origin: str
    text: str
    state: LogState


def parse_request(body: bytes) -> AddCheckpoint:
    """Split an add-checkpoint body; raise ``BadRequest``."""
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(f"a request body is at most {MAX_BODY_BYTES} bytes")
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise BadRequest("the body is not UTF-8") from None
    head, separator, note = text.partition("\n\n")
    if not separator:
        raise BadRequest("the body is an old size line, proof lines, a blank line, a checkpoint")
    lines = head.split("\n")
    old = _OLD.match(lines[0])
    if old is None or int(old.group(1)) >= 2**64:
        raise BadRequest("the first line is 'old <size>'")
    proof_lines = lines[1:]
    if len(proof_lines) > MAX_PROOF_LINES:
        raise BadRequest(f"at most {MAX_PROOF_LINES} consistency proof lines")
    if not all(_HASH.match(line) for line in proof_lines):
        raise BadRequest("each proof line is one base64 SHA-256 hash")
    try:
        proof = tuple(base64.b64decode(line, validate=True) for line in proof_lines)
    except binascii.Error:
        raise BadRequest("a proof line is not base64") from None
    return AddCheckpoint(int(old.group(1)), proof, note)


def decide(body: bytes, trusted: dict[str, list], latest: dict[str, LogState]) -> Answer | Accepted:
    """What to answer ``body``, given the trusted log keys by origin and the latest cosigned
    state by origin (absent: never cosigned)."""
    try:
        request = parse_request(body)
        note = parse_note(request.note)
        checkpoint = Checkpoint.parse(note.text)
    except LedgerError as exc:
        return _answer(400, str(exc))
    keys = trusted.get(checkpoint.origin)
    if not keys:
        return _answer(404, "unknown log origin")
    try:
        verify_note(note, keys)
    except LedgerError:
        return _answer(403, "no valid signature by a trusted key of this log")
    if request.old_size > checkpoint.tree_size:
        return _answer(400, "old size is larger than the checkpoint's")
    if request.old_size == 0 and request.proof:
        return _answer(400, "the proof must be empty when the old size is zero")
    state = latest.get(checkpoint.origin, LogState())
    if request.old_size != state.tree_size:
        return Answer(409, SIZE_TYPE, f"{state.tree_size}\n".encode())
    if request.old_size == checkpoint.tree_size:
        if state.tree_size and state.root_hash != checkpoint.root_hash:
            return _answer(409, "same tree size, different root hash: a split view")
        if request.proof:
            return _answer(422, "the proof between a tree and itself is empty")
    elif request.old_size > 0 and not verify_consistency(
        request.old_size,
        checkpoint.tree_size,
        list(request.proof),
        state.root_hash,
        checkpoint.root_hash,
    ):
        return _answer(422, "the consistency proof does not verify")
    new_state = LogState(checkpoint.tree_size, checkpoint.root_hash)
    return Accepted(checkpoint.origin, note.text, new_state)


def request_body(old_size: int, proof: list[bytes], note: str) -> bytes:
    """The add-checkpoint body a client sends."""
    lines = [f"old {old_size}", *(base64.b64encode(node).decode() for node in proof)]
    return ("\n".join(lines) + "\n\n" + note).encode()


def _answer(status: int, message: str) -> Answer:
    return Answer(status, "text/plain; charset=utf-8", (message + "\n").encode())
