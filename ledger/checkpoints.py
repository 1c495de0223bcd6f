"""Checkpoints (c2sp.org/tlog-checkpoint): the ledger's signed statement of its tree head.

The text is the origin line, the tree size in decimal, the base64 root hash, then any extension
lines. A checkpoint is trusted when the ledger's key signed it; witnesses add cosignatures
after checking that it is consistent with the last checkpoint they saw.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.ed25519 import cosign_v1, sign_note_ed25519
from ledger.errors import InvalidCheckpoint
from ledger.notes import SignedNote, parse_note, sign_note_text, verify_note

_SIZE = re.compile(r"\A(0|[1-9][0-9]{0,19})\Z")
MAX_TREE_SIZE = 2**64 - 1  # the tree size is a uint64


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.tree_size), base64.b64encode(self.root_hash).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or not lines[0] or not _SIZE.match(lines[1]):
            raise InvalidCheckpoint("checkpoint text is origin, tree size, root hash")
        if int(lines[1]) > MAX_TREE_SIZE:
            raise InvalidCheckpoint("tree size does not fit in 64 bits")
        try:
            root = base64.b64decode(lines[2], validate=True)
        except binascii.Error:
            raise InvalidCheckpoint("root hash is not base64") from None
        if len(root) != 32:
            raise InvalidCheckpoint("root hash is not 32 bytes")
        extensions = tuple(lines[3:-1])
        if any(not line for line in extensions):
            raise InvalidCheckpoint("empty extension line")
        return cls(lines[0], int(lines[1]), root, extensions)


@dataclass(frozen=True)
class VerifiedCheckpoint:
    checkpoint: Checkpoint
    note: SignedNote
    signers: frozenset[str]  # names whose signatures verified: the log and its witnesses

    def cosigners(self) -> frozenset[str]:
        return self.signers - {self.checkpoint.origin}


def sign_checkpoint(
    checkpoint: Checkpoint,
    private_key: ec.EllipticCurvePrivateKey | None,
    name: str | None = None,
    ed25519_key: Ed25519PrivateKey | None = None,
) -> str:
    """The signed note of a checkpoint, signed by the ledger keys named after its origin: the
    P-256 key (type 0x02) and, when given, the Ed25519 key (type 0x01) that standard
    verifiers and the public witness network require (c2sp.org/tlog-tiles)."""
    text = checkpoint.text()
    name = name or checkpoint.origin
    lines = []
    if private_key is not None:
        lines.append(sign_note_text(text, name, private_key))
    if ed25519_key is not None:
        lines.append(sign_note_ed25519(text, name, ed25519_key))
    if not lines:
        raise InvalidCheckpoint("a checkpoint needs at least one ledger signature")
    return str(SignedNote(text, tuple(lines)))


def cosign(note: str, witness_name: str, private_key: ec.EllipticCurvePrivateKey) -> str:
    """Add a witness's signature line to a signed checkpoint note (the caller checked it)."""
    parsed = parse_note(note)
    line = sign_note_text(parsed.text, witness_name, private_key)
    kept = tuple(s for s in parsed.signatures if s.name != witness_name)
    return str(SignedNote(parsed.text, (*kept, line)))


def cosignature_line(note: str, witness_name: str, private_key) -> str:
    """Just the witness's signature line, to send back to the ledger."""
    return sign_note_text(parse_note(note).text, witness_name, private_key).line()


def cosignature_v1_line(
    note: str, witness_name: str, private_key: Ed25519PrivateKey, timestamp: int
) -> str:
    """A witness's ``cosignature/v1`` line (c2sp.org/tlog-cosignature) over a checkpoint."""
    return cosign_v1(parse_note(note).text, witness_name, private_key, timestamp).line()


def attach_cosignature(note: str, line: str, witness_key) -> str:
    """Attach a witness's signature line after verifying it against the note's text.

    ``witness_key`` is a P-256 ``NoteKey`` or a ``cosignature/v1`` ``CosignerKey``."""
    parsed = parse_note(note)
    candidate = parse_note(parsed.text + "\n" + line)
    # Exactly one line, by this witness: anything else riding along would be attached unchecked
    # (a bad line claiming the log's key would then make the whole note fail to verify).
    if len(candidate.signatures) != 1:
        raise InvalidCheckpoint("a cosignature is exactly one signature line")
    signature = candidate.signatures[0]
    if (signature.name, signature.key_id) != (witness_key.name, witness_key.key_id):
        raise InvalidCheckpoint("the cosignature line is not by this witness's key")
    verify_note(candidate, [witness_key])
    kept = tuple(s for s in parsed.signatures if s.name != witness_key.name)
    return str(SignedNote(parsed.text, (*kept, *candidate.signatures)))


def verify_checkpoint(
    note: str,
    log_key,
    witness_keys: list = (),
    min_cosignatures: int = 0,
) -> VerifiedCheckpoint:
    """Parse and verify a checkpoint note; raise ``InvalidCheckpoint``.

    The log's own signature is required, its key name must equal the origin line, and at least
    ``min_cosignatures`` of ``witness_keys`` must have cosigned. ``log_key`` may be either of
    the log's keys (P-256 ``NoteKey`` or ``Ed25519NoteKey``): a verifier pins one of them.
    """
    # Signers are reported by name, so a witness key sharing the log's name (but not its key)
    # could otherwise stand in for the log's own signature.
    if any(key.name == log_key.name and key != log_key for key in witness_keys):
        raise InvalidCheckpoint("a witness key may not have the log's key name")
    parsed, signers = verify_note(note, [log_key, *witness_keys])
    checkpoint = Checkpoint.parse(parsed.text)
    if checkpoint.origin != log_key.name:
        raise InvalidCheckpoint("checkpoint origin is not the log's key name")
    if log_key.name not in signers:
        raise InvalidCheckpoint("checkpoint is not signed by the log")
    verified = VerifiedCheckpoint(checkpoint, parsed, frozenset(signers))
    if len(verified.cosigners()) < min_cosignatures:
        raise InvalidCheckpoint(f"checkpoint needs {min_cosignatures} witness cosignatures")
    return verified
