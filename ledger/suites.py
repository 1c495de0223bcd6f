"""Signature suites: the algorithms a party key may sign with, and why a signature is refused.

Two suites, named as keys and envelopes name them:

- ``ecdsa-p256-sha256``: ECDSA on P-256 with SHA-256 (WebCrypto, bank HSMs, OpenSSL). It is the
  suite of every envelope that names none, which is every entry written before SM2 existed.
- ``sm2-sm3``: SM2 on sm2p256v1 with SM3 (GB/T 32918.2, GM/T 0003), signing under a
  distinguishing ID that is ``1234567812345678`` unless the key registered another.

A public key's suite is read from its SubjectPublicKeyInfo: both use id-ecPublicKey, and the
curve OID tells them apart (1.2.840.10045.3.1.7 for P-256, 1.2.156.10197.1.301 for SM2).
The ledger's own hashes (entry ids, Merkle tree, key ids) are SHA-256 whatever the suite, so one
tree and one receipt format cover both.
"""

from __future__ import annotations

import re

P256_SHA256 = "ecdsa-p256-sha256"
SM2_SM3 = "sm2-sm3"
SUITES = (P256_SHA256, SM2_SM3)
DEFAULT_SUITE = P256_SHA256

# GM/T 0009 §10 / GB/T 35276: the ID both sides use when none was agreed.
DEFAULT_DISTINGUISHING_ID = b"1234567812345678"
# Printable ASCII, so the ID reads the same in JSON, in a UKey's settings and in every library;
# 64 characters is far beyond any ID in use (the standard's own examples are 16 and 18).
DISTINGUISHING_ID = re.compile(r"\A[\x21-\x7e]{1,64}\Z")

# Stable reasons a signature is refused, the same for both suites.
SIGNATURE_LENGTH = "SIGNATURE_LENGTH"
SIGNATURE_ZERO = "SIGNATURE_ZERO"
SIGNATURE_OUT_OF_RANGE = "SIGNATURE_OUT_OF_RANGE"
# P-256 only: an SM2 signature has no second form to exclude
SIGNATURE_HIGH_S = "SIGNATURE_HIGH_S"
SIGNATURE_MISMATCH = "SIGNATURE_MISMATCH"
KEY_INVALID = "KEY_INVALID"


def distinguishing_id_problem(text: object) -> str | None:
    """Why ``text`` cannot be a registered distinguishing ID (``None`` when it can)."""
    if not isinstance(text, str) or not DISTINGUISHING_ID.match(text):
        return "a distinguishing ID is 1 to 64 printable ASCII characters without spaces"
    return None
