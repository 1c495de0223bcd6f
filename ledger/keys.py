"""Party keys of either suite (P-256 or SM2): generate, load, save, and the key id every
signature names.

Public keys travel as SubjectPublicKeyInfo DER (what WebCrypto exports as ``spki`` and what bank
HSMs, UKeys and OpenSSL produce); the curve OID in it names the key's suite (``key_suite``). A
key id is the hex SHA-256 of the key's canonical DER — the uncompressed-point SPKI that
``public_key_der`` returns — so the same key always has one id, whichever encoding it arrived in.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path

import ecdsa.der as der
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ledger import sm2
from ledger.errors import InvalidKey
from ledger.suites import DEFAULT_DISTINGUISHING_ID, P256_SHA256, SM2_SM3

CURVE = ec.SECP256R1()
_P256_CURVE_OID = (1, 2, 840, 10045, 3, 1, 7)
_PEM = re.compile(rb"\A\s*-----BEGIN ([A-Z ]+)-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END \1-----\s*\Z")


def generate_private_key(suite: str = P256_SHA256, distinguishing_id: bytes | None = None):
    """A fresh private key of ``suite`` from the operating system's random source.

    An SM2 key signs under ``distinguishing_id`` (default ``1234567812345678``); register the
    same ID with its public key.
    """
    if suite == SM2_SM3:
        return sm2.SM2PrivateKey.generate(distinguishing_id or DEFAULT_DISTINGUISHING_ID)
    if suite != P256_SHA256 or distinguishing_id is not None:
        raise InvalidKey(f"no key suite {suite!r} with a distinguishing ID {distinguishing_id!r}")
    return ec.generate_private_key(CURVE)


@lru_cache(maxsize=4096)
def key_suite(data: bytes) -> str:
    """The suite of a public key (SPKI DER or PEM), read from its curve OID; the key must be
    valid. Raise ``InvalidKey`` for anything else."""
    if not isinstance(data, bytes):
        raise InvalidKey("a public key is bytes")
    spki = _der(data)
    if _curve_oid(spki) == sm2.SM2_CURVE_OID:
        sm2.parse_public_key(spki)
        return SM2_SM3
    load_public_key(spki)
    return P256_SHA256


@lru_cache(maxsize=4096)
def claimed_suite(data: bytes) -> str:
    """The suite a public key's curve OID claims (SM2, else P-256), before checking the point:
    it says which rules a signature by this key is judged by."""
    if isinstance(data, bytes) and _curve_oid(_der(data)) == sm2.SM2_CURVE_OID:
        return SM2_SM3
    return P256_SHA256


def _curve_oid(spki: bytes) -> tuple | None:
    try:
        body, _ = der.remove_sequence(spki)
        algorithm, _ = der.remove_sequence(body)
        key_type, parameters = der.remove_object(algorithm)
        return der.remove_object(parameters)[0] if key_type == sm2.EC_PUBLIC_KEY_OID else None
    except (der.UnexpectedDER, ValueError, IndexError, TypeError):
        return None


def _der(data: bytes) -> bytes:
    """DER as given, or the body of a PEM block."""
    match = _PEM.match(data)
    if not match:
        return data
    try:
        return base64.b64decode(b"".join(match.group(2).split()), validate=True)
    except ValueError:
        raise InvalidKey("PEM body is not base64") from None


def public_key_der(key) -> bytes:
    """The canonical SubjectPublicKeyInfo DER (uncompressed point) of a key of either suite."""
    if isinstance(key, sm2.SM2PrivateKey):
        return key.public_key_der()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        key = key.public_key()
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(data: bytes) -> ec.EllipticCurvePublicKey:
    """Load a P-256 public key from SPKI DER or PEM; the point is validated on the curve.

    (The ledger's and witnesses' note keys are P-256; a party's key may also be SM2, whose
    suite ``key_suite`` tells and whose DER ``canonical_party_key_der`` checks.)"""
    if isinstance(data, bytes) and _curve_oid(_der(data)) == sm2.SM2_CURVE_OID:
        raise InvalidKey("an SM2 key is not a P-256 key")
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
    """Re-encode a P-256 public key (DER or PEM, compressed or not) in canonical SPKI DER: the
    form of the ledger's and witnesses' note keys. A party key may be SM2 too:
    ``canonical_party_key_der``."""
    return public_key_der(load_public_key(data))


def canonical_party_key_der(data: bytes) -> bytes:
    """Re-encode a party's public key of either suite (DER or PEM, compressed or not) in
    canonical SPKI DER."""
    if key_suite(data) == SM2_SM3:
        return sm2.canonical_public_key_der(_der(data))
    return canonical_public_key_der(data)


def key_id(public_key) -> str:
    """Hex SHA-256 of the canonical SPKI DER of a public key (or of a private key's public key)."""
    spki = public_key_der(public_key) if not isinstance(public_key, bytes) else public_key
    return hashlib.sha256(canonical_party_key_der(spki)).hexdigest()


def load_private_key(
    data: bytes, password: bytes | None = None, distinguishing_id: bytes | None = None
):
    """Load a private key of either suite from PKCS#8 PEM or DER.

    An SM2 key signs under ``distinguishing_id`` (default ``1234567812345678``). SM2 keys are
    stored unencrypted (no library here decrypts PKCS#8 on the SM2 curve): keep the file
    readable by its owner only, or the key in a UKey or HSM.
    """
    if sm2.is_pkcs8_sm2(_der(data)):
        if password:
            raise InvalidKey("SM2 private keys are stored unencrypted; no password applies")
        return sm2.load_pkcs8(_der(data), distinguishing_id or DEFAULT_DISTINGUISHING_ID)
    if distinguishing_id is not None:
        raise InvalidKey("only SM2 keys sign under a distinguishing ID")
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


def private_key_pem(key, password: bytes | None = None) -> bytes:
    """PKCS#8 PEM, encrypted with ``password`` when one is given (P-256 only)."""
    if isinstance(key, sm2.SM2PrivateKey):
        if password:
            raise InvalidKey("SM2 private keys are stored unencrypted; no password applies")
        return der.topem(key.pkcs8_der(), "PRIVATE KEY")
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def save_private_key(key, path: str | Path, password=None) -> None:
    """Write the key as PKCS#8 PEM, readable by its owner only."""
    path = Path(path)
    path.write_bytes(private_key_pem(key, password))
    path.chmod(0o600)


def read_private_key(
    path: str | Path, password: bytes | None = None, distinguishing_id: bytes | None = None
):
    """Load a private key from a PEM or DER file."""
    return load_private_key(Path(path).read_bytes(), password, distinguishing_id)
