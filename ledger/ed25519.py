"""Ed25519 note keys: the log's 0x01 checkpoint signature and witnesses' 0x04 cosignatures.

Every standard transparency-log verifier (Go's ``sumdb/note``, litewitness, omniwitness,
Tessera clients) checks an Ed25519 signature, and c2sp.org/tlog-tiles requires one on a log
that talks to the public witness network, so the ledger signs every checkpoint with Ed25519 as
well as with its P-256 key.

- **Log signature, type 0x01** (c2sp.org/signed-note): key ID =
  ``SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4]``; the signature is Ed25519 over
  the note text.
- **Cosignature, type 0x04** (c2sp.org/tlog-cosignature, ``cosignature/v1``): key ID =
  ``SHA-256(name || 0x0A || 0x04 || public key)[:4]``; the signature is the 8-byte big-endian
  timestamp followed by Ed25519 over ``"cosignature/v1\\ntime <t>\\n" || note text``.

A vkey is ``<name>+<key id hex>+<base64(type || 32-byte public key)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature as _InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ledger.errors import InvalidKey
from ledger.notes import KEY_NAME, NoteSignature, check_note_text

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
MAX_TIMESTAMP = 2**63 - 1


def generate_ed25519_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def save_ed25519_key(key: Ed25519PrivateKey, path: str | Path) -> None:
    """Write the key as unencrypted PKCS#8 PEM, readable by its owner only."""
    path = Path(path)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(pem)
    path.chmod(0o600)


def read_ed25519_key(path: str | Path) -> Ed25519PrivateKey:
    """Load an Ed25519 private key from a PKCS#8 PEM file; raise ``InvalidKey``."""
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), None)
    except (ValueError, TypeError) as exc:
        raise InvalidKey(f"not a private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidKey("private key is not an Ed25519 key")
    return key


def raw_public_key(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class Ed25519NoteKey:
    """A named Ed25519 public key that signs whole notes (type 0x01): the log's."""

    name: str
    public_key: bytes  # 32 raw bytes
    key_id: int = field(init=False)
    signature_type = ED25519

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not KEY_NAME.match(self.name):
            raise InvalidKey("a note key name is non-empty, without spaces or '+'")
        if not isinstance(self.public_key, bytes) or len(self.public_key) != 32:
            raise InvalidKey("an Ed25519 public key is 32 bytes")
        digest = hashlib.sha256(
            self.name.encode() + b"\n" + bytes([self.signature_type]) + self.public_key
        ).digest()
        object.__setattr__(self, "key_id", struct.unpack(">I", digest[:4])[0])

    @classmethod
    def of(cls, name: str, private_key: Ed25519PrivateKey):
        return cls(name, raw_public_key(private_key))

    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([self.signature_type]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{encoded}"

    def verifies(self, text: str, signature: bytes) -> bool:
        return _ed25519_verifies(self.public_key, signature, text.encode())


@dataclass(frozen=True)
class CosignerKey(Ed25519NoteKey):
    """A witness's Ed25519 key for ``cosignature/v1`` timestamped cosignatures (type 0x04)."""

    signature_type = COSIGNATURE_V1

    def verifies(self, text: str, signature: bytes) -> bool:
        if len(signature) != 8 + 64:
            return False
        (timestamp,) = struct.unpack(">Q", signature[:8])
        if timestamp > MAX_TIMESTAMP:
            return False
        message = cosigned_message(text, timestamp)
        return _ed25519_verifies(self.public_key, signature[8:], message)


def cosigned_message(text: str, timestamp: int) -> bytes:
    """What a ``cosignature/v1`` signs: a header line, a time line, then the note text."""
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


def cosignature_timestamp(signature: NoteSignature) -> int:
    """The POSIX time a ``cosignature/v1`` line says it was made."""
    return struct.unpack(">Q", signature.signature[:8])[0]


def sign_note_ed25519(text: str, name: str, private_key: Ed25519PrivateKey) -> NoteSignature:
    """The log's type-0x01 signature line over a note text."""
    check_note_text(text)
    key = Ed25519NoteKey.of(name, private_key)
    return NoteSignature(name, key.key_id, private_key.sign(text.encode()))


def cosign_v1(
    text: str, name: str, private_key: Ed25519PrivateKey, timestamp: int
) -> NoteSignature:
    """A witness's ``cosignature/v1`` line over a checkpoint text, made at ``timestamp``."""
    check_note_text(text)
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise InvalidKey("a cosignature timestamp is between 0 and 2^63 - 1")
    key = CosignerKey.of(name, private_key)
    signature = private_key.sign(cosigned_message(text, timestamp))
    return NoteSignature(name, key.key_id, struct.pack(">Q", timestamp) + signature)


def ed25519_key_from_vkey(vkey: str) -> Ed25519NoteKey:
    """An ``Ed25519NoteKey`` (0x01) or ``CosignerKey`` (0x04) from its vkey; raise
    ``InvalidKey``."""
    try:
        name, key_id_hex, encoded = vkey.split("+", 2)
        raw = base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error, AttributeError):
        raise InvalidKey("not a verifier key string") from None
    kinds = {ED25519: Ed25519NoteKey, COSIGNATURE_V1: CosignerKey}
    if raw[:1] == b"" or raw[0] not in kinds:
        raise InvalidKey("verifier key is not of signature type 0x01 or 0x04 (Ed25519)")
    key = kinds[raw[0]](name, raw[1:])
    if f"{key.key_id:08x}" != key_id_hex:
        raise InvalidKey("verifier key id does not match its public key")
    return key


def _ed25519_verifies(public_key: bytes, signature: bytes, message: bytes) -> bool:
    if len(signature) != 64:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (_InvalidSignature, ValueError):
        return False
    return True
