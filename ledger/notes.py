"""Checkpoints as C2SP signed notes (c2sp.org/signed-note, c2sp.org/tlog-checkpoint).

A checkpoint note is::

    <origin>\\n<tree size>\\n<base64 root hash>\\n[extension lines]
    \\n
    — <key name> <base64(4-byte key id || signature)>\\n   (one line per signer)

Every checkpoint carries two signatures by the ledger, under the same key name (its origin):

- type 0x01, Ed25519 (``ledger.ed25519``), what every standard verifier checks;
- type 0x02, ECDSA P-256, as in the transparency-dev witness (this module): the key id is the
  first four bytes of SHA-256 of the SubjectPublicKeyInfo DER, and the signature is the ASN.1
  DER ``ECDSA-Sig-Value`` over the note text with SHA-256. We accept low-S only and exactly
  the DER our own encoder would produce, so each signer has one valid signature line per note.

Witnesses cosign the same text; their lines follow the log's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature as _OpenSSLInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from ledger.errors import InvalidCheckpoint, InvalidKey
from ledger.keys import canonical_public_key_der, load_public_key, public_key_der
from ledger.signatures import CURVE_ORDER, HALF_ORDER

EM_DASH = "\u2014"
MAX_SIGNATURES = 32
# \A...\Z, not ^...$: "$" also matches before a trailing newline, which would let "name\n" in.
KEY_NAME = re.compile(r"\A[^\s+]+\Z")
_B64 = re.compile(r"\A[A-Za-z0-9+/]+={0,2}\Z")


@dataclass(frozen=True)
class NoteKey:
    """A named P-256 public key that may sign notes (the ledger's, or a witness's)."""

    name: str
    public_key_der: bytes
    key_id: int = field(init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not KEY_NAME.match(self.name):
            raise InvalidKey("a note key name is non-empty, without spaces or '+'")
        der = canonical_public_key_der(self.public_key_der)
        object.__setattr__(self, "public_key_der", der)
        object.__setattr__(self, "key_id", struct.unpack(">I", hashlib.sha256(der).digest()[:4])[0])

    @classmethod
    def of(cls, name: str, private_key: ec.EllipticCurvePrivateKey) -> NoteKey:
        return cls(name, public_key_der(private_key))

    def vkey(self) -> str:
        """The verifier key string ``<name>+<key id hex>+<base64(0x02 || SPKI DER)>``."""
        encoded = base64.b64encode(b"\x02" + self.public_key_der).decode()
        return f"{self.name}+{self.key_id:08x}+{encoded}"

    def verifies(self, text: str, signature: bytes) -> bool:
        """Whether ``signature`` is this key's one canonical low-S DER signature of ``text``."""
        return _verify_line(self, text, signature)

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteKey:
        try:
            # Split on the first two "+" only: the base64 key data may itself contain "+".
            name, key_id_hex, encoded = vkey.split("+", 2)
            raw = base64.b64decode(encoded, validate=True)
        except (ValueError, binascii.Error, AttributeError):
            raise InvalidKey("not a verifier key string") from None
        if raw[:1] != b"\x02":
            raise InvalidKey("verifier key is not of signature type 0x02 (ECDSA)")
        key = cls(name, raw[1:])
        if f"{key.key_id:08x}" != key_id_hex:
            raise InvalidKey("verifier key id does not match its public key")
        return key


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        payload = struct.pack(">I", self.key_id) + self.signature
        return f"{EM_DASH} {self.name} {base64.b64encode(payload).decode()}\n"


@dataclass(frozen=True)
class SignedNote:
    text: str
    signatures: tuple[NoteSignature, ...]

    def __str__(self) -> str:
        return self.text + "\n" + "".join(signature.line() for signature in self.signatures)


def sign_note_text(text: str, name: str, private_key: ec.EllipticCurvePrivateKey) -> NoteSignature:
    """Sign a note text (which must end in a newline) as key ``name``."""
    check_note_text(text)
    key = NoteKey.of(name, private_key)
    r, s = decode_dss_signature(private_key.sign(text.encode(), ec.ECDSA(hashes.SHA256())))
    if s > HALF_ORDER:
        s = CURVE_ORDER - s
    return NoteSignature(name, key.key_id, encode_dss_signature(r, s))


def parse_note(note: str) -> SignedNote:
    """Split a signed note into its text and signature lines; raise ``InvalidCheckpoint``."""
    if not isinstance(note, str) or any(ch < " " and ch != "\n" for ch in note):
        raise InvalidCheckpoint("a note is text without control characters other than newline")
    if not _is_utf8(note):
        raise InvalidCheckpoint("a note is valid UTF-8 text")
    separator = note.rfind("\n\n")
    if separator < 0 or not note.endswith("\n"):
        raise InvalidCheckpoint("a note is text, a blank line, then signature lines")
    text, block = note[: separator + 1], note[separator + 2 :]
    lines = block[:-1].split("\n")
    if not lines or len(lines) > MAX_SIGNATURES:
        raise InvalidCheckpoint(f"a note carries 1 to {MAX_SIGNATURES} signatures")
    return SignedNote(text, tuple(_parse_signature_line(line) for line in lines))


def verify_note(note: str | SignedNote, known_keys: list) -> tuple[SignedNote, set[str]]:
    """Verify every signature by a known key; return the note and the names that signed it.

    As c2sp.org/signed-note requires: lines from unknown keys are ignored, a known key's failing
    line rejects the whole note, and a note with no verified signature is rejected. A key is any
    object with ``name``, ``key_id`` and ``verifies(text, signature)``: a P-256 ``NoteKey``, or
    an ``ledger.ed25519`` log or cosigner key.
    """
    parsed = note if isinstance(note, SignedNote) else parse_note(note)
    by_identity = {(key.name, key.key_id): key for key in known_keys}
    verified = set()
    for signature in parsed.signatures:
        key = by_identity.get((signature.name, signature.key_id))
        if key is None:
            continue
        if not key.verifies(parsed.text, signature.signature):
            raise InvalidCheckpoint(f"signature by {signature.name} does not verify")
        verified.add(signature.name)
    if not verified:
        raise InvalidCheckpoint("no signature on the note is by a known key")
    return parsed, verified


def _verify_line(key: NoteKey, text: str, signature: bytes) -> bool:
    try:
        r, s = decode_dss_signature(signature)
    except ValueError:
        return False
    if not (0 < r < CURVE_ORDER and 0 < s <= HALF_ORDER):
        return False
    if encode_dss_signature(r, s) != signature:  # only the one canonical DER spelling
        return False
    try:
        load_public_key(key.public_key_der).verify(
            signature, text.encode(), ec.ECDSA(hashes.SHA256())
        )
    except _OpenSSLInvalidSignature:
        return False
    return True


def _parse_signature_line(line: str) -> NoteSignature:
    parts = line.split(" ")
    if len(parts) != 3 or parts[0] != EM_DASH or not KEY_NAME.match(parts[1]):
        raise InvalidCheckpoint(f"malformed signature line: {line!r}")
    if not _B64.match(parts[2]):
        raise InvalidCheckpoint("signature is not base64")
    try:
        payload = base64.b64decode(parts[2], validate=True)
    except binascii.Error:
        raise InvalidCheckpoint("signature is not base64") from None
    if base64.b64encode(payload).decode() != parts[2]:  # one spelling per signature line
        raise InvalidCheckpoint("signature is not canonical base64")
    if len(payload) < 5:
        raise InvalidCheckpoint("signature too short")
    return NoteSignature(parts[1], struct.unpack(">I", payload[:4])[0], payload[4:])


def check_note_text(text: str) -> None:
    if not text.endswith("\n") or "\n\n" in text or any(c < " " and c != "\n" for c in text):
        raise InvalidCheckpoint("note text ends in a newline and has no blank or control lines")
    if not _is_utf8(text):
        raise InvalidCheckpoint("note text is valid UTF-8")


def _is_utf8(text: str) -> bool:
    """False for a ``str`` holding lone surrogates, which have no UTF-8 encoding."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
