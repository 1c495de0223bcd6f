"""Signatures in one strict form per suite — the one entry point that signs or verifies.

``sign``, ``verify``, ``signature_reason`` and the reference verdicts dispatch on the key: an SM2
key (its SPKI names the SM2 curve) goes to ``ledger.sm2``, every other key is P-256, below.
An SM2 verdict takes the key's distinguishing ID (``None`` for the default); P-256 keys have none.

For P-256, a signature is the 64-byte IEEE P1363 form ``r || s`` (big-endian, 32 bytes each),
which is what WebCrypto produces. Verification is strict: exactly 64 bytes, ``1 <= r < n``,
``1 <= s <= n/2`` (low-S only, so nobody can derive a second valid signature from a first), and
a public key that is a valid point on P-256. Every rejection has a stable reason code.

Two backends give the same answers: OpenSSL through ``cryptography`` (the native, fast one) and
pure-Python ``ecdsa`` (the portable reference, cross-checked in the tests). Signing always uses
``cryptography``: python-ecdsa is not side-channel safe.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import ecdsa
import ecdsa.util
from cryptography.exceptions import InvalidSignature as _OpenSSLInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from ledger import sm2
from ledger.errors import InvalidKey, InvalidSignature
from ledger.keys import claimed_suite, key_suite, load_public_key
from ledger.suites import (
    KEY_INVALID,
    SIGNATURE_HIGH_S,
    SIGNATURE_LENGTH,
    SIGNATURE_MISMATCH,
    SIGNATURE_OUT_OF_RANGE,
    SIGNATURE_ZERO,
    SM2_SM3,
)

SIGNATURE_SIZE = 64
CURVE_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
HALF_ORDER = CURVE_ORDER // 2
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())


def sign(private_key, message: bytes) -> bytes:
    """Sign ``message`` with a key of either suite; return the 64-byte ``r || s``.

    P-256 hashes with SHA-256 and returns low-S; SM2 hashes ``Z || message`` with SM3 under the
    key's distinguishing ID.
    """
    if isinstance(private_key, sm2.SM2PrivateKey):
        return private_key.sign(message)
    r, s = decode_dss_signature(private_key.sign(message, _ECDSA_SHA256))
    if s > HALF_ORDER:
        s = CURVE_ORDER - s
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def suite_of(public_key_der: bytes) -> str | None:
    """The suite of a public key, or ``None`` when it is no valid key of either."""
    try:
        return key_suite(public_key_der)
    except (InvalidKey, TypeError):  # TypeError: not even hashable, so not a key
        return None


def _claims_sm2(public_key_der: bytes) -> bool:
    try:
        return claimed_suite(public_key_der) == SM2_SM3
    except TypeError:  # unhashable: no key at all, judged (and refused) as P-256
        return False


def structural_reason(signature: bytes) -> str | None:
    """The reason a P-256 signature is malformed before any curve arithmetic, or ``None``."""
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_SIZE:
        return SIGNATURE_LENGTH
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if r == 0 or s == 0:
        return SIGNATURE_ZERO
    if r >= CURVE_ORDER or s >= CURVE_ORDER:
        return SIGNATURE_OUT_OF_RANGE
    if s > HALF_ORDER:
        return SIGNATURE_HIGH_S
    return None


def signature_reason(
    public_key_der: bytes, message: bytes, signature: bytes, distinguishing_id: bytes | None = None
) -> str | None:
    """``None`` when the signature is valid, else the stable reason it is refused (native)."""
    if _claims_sm2(public_key_der):
        return sm2.signature_reason(public_key_der, message, signature, distinguishing_id)
    if distinguishing_id is not None:
        return KEY_INVALID  # only SM2 keys sign under a distinguishing ID
    reason = structural_reason(signature)
    if reason is not None:
        return reason
    key = _cached_native_key(public_key_der)
    if key is None:
        return KEY_INVALID
    if not isinstance(message, bytes):
        return SIGNATURE_MISMATCH
    der_signature = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        key.verify(der_signature, message, _ECDSA_SHA256)
    except _OpenSSLInvalidSignature:
        return SIGNATURE_MISMATCH
    return None


def verify(
    public_key_der: bytes, message: bytes, signature: bytes, distinguishing_id: bytes | None = None
) -> bool:
    """True iff ``signature`` is a valid strict signature of ``message``; never raises.

    The key's SPKI says the suite: P-256 (SHA-256 inside) or SM2 (SM3 inside, under
    ``distinguishing_id``, by default ``1234567812345678``).

    >>> from ledger.keys import generate_private_key, public_key_der
    >>> key = generate_private_key()
    >>> verify(public_key_der(key), b"hello", sign(key, b"hello"))
    True
    """
    try:
        return signature_reason(public_key_der, message, signature, distinguishing_id) is None
    except Exception:  # the contract is a verdict, whatever the caller passed
        return False


def require_valid_signature(
    public_key_der: bytes, message: bytes, signature: bytes, distinguishing_id: bytes | None = None
) -> None:
    """Raise ``InvalidSignature`` (with the reason as its code) unless the signature is valid."""
    reason = signature_reason(public_key_der, message, signature, distinguishing_id)
    if reason is not None:
        raise InvalidSignature(f"signature refused: {reason}", code=reason)


def reference_signature_reason(
    public_key_der: bytes, message: bytes, signature: bytes, distinguishing_id: bytes | None = None
) -> str | None:
    """The same verdict as ``signature_reason``, computed by pure Python: ``ecdsa`` for P-256,
    ``gmssl`` for SM2 (the latter needs the ``dev`` extra)."""
    if _claims_sm2(public_key_der):
        return sm2.reference_signature_reason(public_key_der, message, signature, distinguishing_id)
    if distinguishing_id is not None:
        return KEY_INVALID
    reason = structural_reason(signature)
    if reason is not None:
        return reason
    try:
        verifying_key = ecdsa.VerifyingKey.from_der(public_key_der, hashfunc=hashlib.sha256)
    except Exception:
        return KEY_INVALID
    if verifying_key.curve != ecdsa.NIST256p:
        return KEY_INVALID
    try:
        verifying_key.verify(
            signature, message, hashfunc=hashlib.sha256, sigdecode=ecdsa.util.sigdecode_string
        )
    except (ecdsa.BadSignatureError, TypeError):
        return SIGNATURE_MISMATCH
    return None


def reference_verify(
    public_key_der: bytes, message: bytes, signature: bytes, distinguishing_id: bytes | None = None
) -> bool:
    """``verify`` computed by the pure-Python reference backends; never raises on bad input
    (a missing reference package is not bad input, so its ``ImportError`` goes through)."""
    try:
        reason = reference_signature_reason(public_key_der, message, signature, distinguishing_id)
        return reason is None
    except ImportError:
        raise
    except Exception:
        return False


@lru_cache(maxsize=4096)
def _cached_native_key(public_key_der: bytes) -> ec.EllipticCurvePublicKey | None:
    """Parsing a key costs about as much as a verification; signers repeat, so keep them."""
    if not isinstance(public_key_der, bytes):
        return None
    try:
        return load_public_key(public_key_der)
    except InvalidKey:
        return None
