"""P-256 keys: generate, load, save, and the key id every signature names.

Public keys travel as SubjectPublicKeyInfo DER (what WebCrypto exports as ``spki`` and what bank
HSMs and OpenSSL produce). A key id is the hex SHA-256 of the key's canonical DER — the
uncompressed-point SPKI that ``public_key_der`` returns — so the same key always has one id,
whichever encoding it arrived in.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ledger.errors import InvalidKey

CURVE = ec.SECP256R1()


def generate_private_key() -> ec.EllipticCurvePrivateKey:
    """A fresh P-256 private key from the operating system's random source."""
    return ec.generate_private_key(CURVE)


def public_key_der(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> bytes:
    """The canonical SubjectPublicKeyInfo DER (uncompressed point) of a key."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        key = key.public_key()
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(data: bytes) -> ec.EllipticCurvePublicKey:
    """Load a P-256 public key from SPKI DER or PEM; the point is validated on the curve."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(data)
        else:
            key = serialization.load_der_public_key(data)
    except (ValueError, TypeError, AttributeError) as exc:
        raise InvalidKey(f"not a public key: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != CURVE.name:
        raise InvalidKey("public key is not on curve P-256")
    return key


def canonical_public_key_der(data: bytes) -> bytes:
    """Re-encode a public key (DER or PEM, compressed or not) in canonical SPKI DER."""
    return public_key_der(load_public_key(data))


def key_id(public_key: bytes | ec.EllipticCurvePublicKey) -> str:
    """Hex SHA-256 of the canonical SPKI DER of a public key."""
    der = public_key_der(public_key) if not isinstance(public_key, bytes) else public_key
    return hashlib.sha256(canonical_public_key_der(der)).hexdigest()


def load_private_key(data: bytes, password: bytes | None = None) -> ec.EllipticCurvePrivateKey:
    """Load a P-256 private key from PKCS#8 PEM or DER."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_private_key(data, password)
        else:
            key = serialization.load_der_private_key(data, password)
    except (ValueError, TypeError) as exc:
        raise InvalidKey(f"not a private key: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != CURVE.name:
        raise InvalidKey("private key is not on curve P-256")
    return key


def private_key_pem(key: ec.EllipticCurvePrivateKey, password: bytes | None = None) -> bytes:
    """PKCS#8 PEM, encrypted with ``password`` when one is given."""
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def save_private_key(key: ec.EllipticCurvePrivateKey, path: str | Path, password=None) -> None:
    """Write the key as PKCS#8 PEM, readable by its owner only."""
    path = Path(path)
    path.write_bytes(private_key_pem(key, password))
    path.chmod(0o600)


def read_private_key(path: str | Path, password: bytes | None = None):
    """Load a private key from a PEM or DER file."""
    return load_private_key(Path(path).read_bytes(), password)
