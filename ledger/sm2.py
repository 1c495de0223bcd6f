"""SM2 with SM3 (GB/T 32918.2, GM/T 0003) in one strict form: the ``sm2-sm3`` suite.

A signature is the 64-byte ``r || s`` (big-endian, 32 bytes each), the form sm-crypto, gmalglib
and most UKeys produce. Verification is strict, as for P-256, and every refusal has the same
stable reason codes:

- exactly 64 bytes (``SIGNATURE_LENGTH``);
- ``r`` and ``s`` not zero (``SIGNATURE_ZERO``);
- ``r, s < n`` and ``(r + s) mod n != 0`` (``SIGNATURE_OUT_OF_RANGE``). The last rule is the
  verifier's side of the signer's rule ``r + k != n``: when ``r + k = n``, then ``s = n - r``;
- a public key that is a valid point of sm2p256v1 (``KEY_INVALID``).

There is no low-S rule. An ECDSA signature ``(r, s)`` has a twin ``(r, n - s)`` because ECDSA
checks only the x-coordinate of ``s⁻¹(eG + rP)``. SM2 checks ``r = e + x(sG + (r + s)P)``, so
``s`` also enters the point through ``t = r + s``. Changing ``s`` moves the point to an unrelated
one, and no second signature can be derived from a first (docs/decisions/0023 §2; tests prove
it for the candidate twins). Refusing half of the valid signatures would only turn away other
libraries' and UKeys' signatures.

Native signing and verification use gmalglib (C). The pure-Python ``gmssl`` package (in the
``dev`` extra) is the reference that the tests cross-check it against.
"""

from __future__ import annotations

from functools import lru_cache

import ecdsa.der as der
import gmalglib.sm2 as _native
import gmalglib.sm3 as _native_sm3

from ledger.errors import InvalidKey
from ledger.suites import (
    DEFAULT_DISTINGUISHING_ID,
    KEY_INVALID,
    SIGNATURE_LENGTH,
    SIGNATURE_MISMATCH,
    SIGNATURE_OUT_OF_RANGE,
    SIGNATURE_ZERO,
    SM2_SM3,
)

SUITE = SM2_SM3
SIGNATURE_SIZE = 64
# sm2p256v1 (GB/T 32918.5)
P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = P - 3
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0
EC_PUBLIC_KEY_OID = (1, 2, 840, 10045, 2, 1)
SM2_CURVE_OID = (1, 2, 156, 10197, 1, 301)
_ALGORITHM = der.encode_sequence(der.encode_oid(*EC_PUBLIC_KEY_OID), der.encode_oid(*SM2_CURVE_OID))
_ALGORITHM_BODY = der.remove_sequence(_ALGORITHM)[0]


# -- public keys --------------------------------------------------------------------------


def public_key_der(x: int, y: int) -> bytes:
    """The canonical SubjectPublicKeyInfo DER (uncompressed point) of the point ``(x, y)``."""
    return der.encode_sequence(_ALGORITHM, der.encode_bitstring(_point_octets(x, y), 0))


def parse_public_key(data: bytes) -> tuple[int, int]:
    """The point of an SM2 SubjectPublicKeyInfo DER; raise ``InvalidKey`` unless it is one.

    The point may be compressed or not; it must lie on sm2p256v1 (the cofactor is 1, so any
    point on the curve other than infinity has order n).
    """
    try:
        body, rest = der.remove_sequence(data)
        algorithm, rest_of_body = der.remove_sequence(body)
        key_type, parameters = der.remove_object(algorithm)
        curve, after_curve = der.remove_object(parameters)
        octets, after_point = der.remove_bitstring(rest_of_body, 0)
    except (der.UnexpectedDER, ValueError, IndexError, TypeError):
        raise InvalidKey("not an SM2 SubjectPublicKeyInfo") from None
    if rest or after_curve or after_point or key_type != EC_PUBLIC_KEY_OID:
        raise InvalidKey("not an SM2 SubjectPublicKeyInfo")
    if curve != SM2_CURVE_OID:
        raise InvalidKey("public key is not on curve sm2p256v1")
    return _decode_point(octets)


def canonical_public_key_der(data: bytes) -> bytes:
    return public_key_der(*parse_public_key(data))


def _point_octets(x: int, y: int) -> bytes:
    return b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big")


def _decode_point(octets: bytes) -> tuple[int, int]:
    if len(octets) == 65 and octets[0] == 4:
        x, y = int.from_bytes(octets[1:33], "big"), int.from_bytes(octets[33:], "big")
    elif len(octets) == 33 and octets[0] in (2, 3):
        x = int.from_bytes(octets[1:], "big")
        y = _y_for(x, octets[0] & 1)
    else:
        raise InvalidKey("public key point is neither compressed nor uncompressed")
    if not (x < P and y < P and (y * y - (x * x * x + A * x + B)) % P == 0):
        raise InvalidKey("public key point is not on curve sm2p256v1")
    return x, y


def _y_for(x: int, parity: int) -> int:
    if x >= P:
        raise InvalidKey("public key point is not on curve sm2p256v1")
    square = (x * x * x + A * x + B) % P
    y = pow(square, (P + 1) // 4, P)  # P ≡ 3 (mod 4)
    if y * y % P != square:
        raise InvalidKey("public key point is not on curve sm2p256v1")
    return y if y & 1 == parity else P - y


# -- private keys -------------------------------------------------------------------------


class SM2PrivateKey:
    """An SM2 private key and the distinguishing ID it signs under (the one its public key is
    registered with on the ledger)."""

    suite = SUITE

    def __init__(self, secret: bytes, distinguishing_id: bytes = DEFAULT_DISTINGUISHING_ID):
        valid = isinstance(secret, bytes) and len(secret) == 32 and _native.SM2.is_sk_valid(secret)
        if not valid:
            raise InvalidKey("an SM2 private key is 32 bytes, 1 <= d <= n - 2")
        if not isinstance(distinguishing_id, bytes) or not distinguishing_id:
            raise InvalidKey("a distinguishing ID is non-empty bytes")
        self._secret = secret
        self.distinguishing_id = distinguishing_id
        self._signer = _native.SM2(sk=secret, uid=distinguishing_id)
        point = _native.SM2.get_pk(secret)
        self.x, self.y = int.from_bytes(point[1:33], "big"), int.from_bytes(point[33:], "big")

    @classmethod
    def generate(cls, distinguishing_id: bytes = DEFAULT_DISTINGUISHING_ID) -> SM2PrivateKey:
        """A fresh key from the operating system's random source (gmalglib reads /dev/urandom)."""
        secret, _ = _native.SM2().generate_keypair()
        return cls(secret, distinguishing_id)

    def public_key_der(self) -> bytes:
        return public_key_der(self.x, self.y)

    def with_distinguishing_id(self, distinguishing_id: bytes) -> SM2PrivateKey:
        return SM2PrivateKey(self._secret, distinguishing_id)

    def sign(self, message: bytes) -> bytes:
        """Sign ``message`` (``e = SM3(Z || message)``); return the 64-byte ``r || s``."""
        while True:
            signature = self._signer.sign(message)
            # gmalglib's loop gives up instead of drawing a new nonce when r = 0, r + k = n or
            # s = 0 (odds about 2^-256); never hand out a signature our verifier would refuse.
            if structural_reason(signature) is None:
                return signature

    def pkcs8_der(self) -> bytes:
        """PKCS#8 PrivateKeyInfo holding an RFC 5915 ECPrivateKey on sm2p256v1."""
        ec_private_key = der.encode_sequence(
            der.encode_integer(1),
            der.encode_octet_string(self._secret),
            der.encode_constructed(1, der.encode_bitstring(_point_octets(self.x, self.y), 0)),
        )
        return der.encode_sequence(
            der.encode_integer(0), _ALGORITHM, der.encode_octet_string(ec_private_key)
        )

    def __repr__(self) -> str:  # never the secret
        return f"SM2PrivateKey(x={self.x:064x}, distinguishing_id={self.distinguishing_id!r})"


def is_pkcs8_sm2(data: bytes) -> bool:
    """True when ``data`` is PKCS#8 DER whose algorithm names the SM2 curve."""
    try:
        body, _ = der.remove_sequence(data)
        _, body = der.remove_integer(body)
        algorithm, _ = der.remove_sequence(body)
    except (der.UnexpectedDER, ValueError, IndexError, TypeError):
        return False
    return algorithm == _ALGORITHM_BODY


def load_pkcs8(data: bytes, distinguishing_id: bytes = DEFAULT_DISTINGUISHING_ID):
    """Load an unencrypted PKCS#8 SM2 private key; raise ``InvalidKey``."""
    try:
        body, rest = der.remove_sequence(data)
        version, body = der.remove_integer(body)
        algorithm, body = der.remove_sequence(body)
        inner, after = der.remove_octet_string(body)
        ec_body, ec_rest = der.remove_sequence(inner)
        ec_version, ec_body = der.remove_integer(ec_body)
        secret, ec_body = der.remove_octet_string(ec_body)
        point = _optional_public_point(ec_body)
    except (der.UnexpectedDER, ValueError, IndexError, TypeError):
        raise InvalidKey("not a PKCS#8 SM2 private key") from None
    if rest or after or ec_rest or version != 0 or ec_version != 1 or len(secret) != 32:
        raise InvalidKey("not a PKCS#8 SM2 private key")
    if algorithm != _ALGORITHM_BODY:
        raise InvalidKey("private key is not on curve sm2p256v1")
    key = SM2PrivateKey(secret, distinguishing_id)
    if point is not None and point != _point_octets(key.x, key.y):
        raise InvalidKey("the private key's public point does not match its secret")
    return key


def _optional_public_point(body: bytes) -> bytes | None:
    """The [1] publicKey of an ECPrivateKey, after an optional [0] parameters naming SM2."""
    point = None
    while body:
        tag, value, body = der.remove_constructed(body)
        if tag == 0:
            curve, tail = der.remove_object(value)
            if curve != SM2_CURVE_OID or tail:
                raise der.UnexpectedDER("parameters name another curve")
        elif tag == 1:
            point, tail = der.remove_bitstring(value, 0)
            if tail:
                raise der.UnexpectedDER("trailing bytes after the public key")
        else:
            raise der.UnexpectedDER("unknown ECPrivateKey field")
    return point


# -- signatures ---------------------------------------------------------------------------


def structural_reason(signature: bytes) -> str | None:
    """The reason a signature is malformed before any curve arithmetic, or ``None``."""
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_SIZE:
        return SIGNATURE_LENGTH
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if r == 0 or s == 0:
        return SIGNATURE_ZERO
    if r >= N or s >= N or (r + s) % N == 0:
        return SIGNATURE_OUT_OF_RANGE
    return None


def signature_reason(
    public_key_der: bytes, message: bytes, signature: bytes, distinguishing_id: bytes | None = None
) -> str | None:
    """``None`` when the signature is valid, else the stable reason it is refused (native)."""
    reason = structural_reason(signature)
    if reason is not None:
        return reason
    identity = DEFAULT_DISTINGUISHING_ID if distinguishing_id is None else distinguishing_id
    verifier = _cached_verifier(public_key_der, identity)
    if verifier is None:
        return KEY_INVALID
    if not isinstance(message, bytes):
        return SIGNATURE_MISMATCH
    return None if verifier.verify(message, signature) else SIGNATURE_MISMATCH


def reference_signature_reason(
    public_key_der: bytes, message: bytes, signature: bytes, distinguishing_id: bytes | None = None
) -> str | None:
    """The same verdict as ``signature_reason``, computed by the pure-Python ``gmssl``.

    gmssl hashes only under the default ID, so the reference computes ``e = SM3(Z || M)`` itself
    (with gmssl's SM3) and hands gmssl the digest. Needs the ``dev`` extra.
    """
    from gmssl import func
    from gmssl import sm2 as reference
    from gmssl import sm3 as reference_sm3

    reason = structural_reason(signature)
    if reason is not None:
        return reason
    identity = DEFAULT_DISTINGUISHING_ID if distinguishing_id is None else distinguishing_id
    if not isinstance(identity, bytes) or not 0 < len(identity) <= _native.SM2_UID_MAX_LENGTH:
        return KEY_INVALID
    try:
        x, y = parse_public_key(public_key_der)
    except InvalidKey:
        return KEY_INVALID
    if not isinstance(message, bytes):
        return SIGNATURE_MISMATCH
    z = bytes.fromhex(reference_sm3.sm3_hash(func.bytes_to_list(entity_info(identity, x, y))))
    digest = bytes.fromhex(reference_sm3.sm3_hash(func.bytes_to_list(z + message)))
    checker = reference.CryptSM2(public_key=f"{x:064x}{y:064x}", private_key=None)
    return None if checker.verify(signature.hex(), digest) else SIGNATURE_MISMATCH


def entity_info(distinguishing_id: bytes, x: int, y: int) -> bytes:
    """What ``Z`` hashes: ``ENTL || ID || a || b || xG || yG || xA || yA`` (GB/T 32918.2 §5.5)."""
    entl = (len(distinguishing_id) * 8).to_bytes(2, "big")  # the ID's length in bits
    numbers = (A, B, GX, GY, x, y)
    return b"".join([entl, distinguishing_id, *(n.to_bytes(32, "big") for n in numbers)])


def sm3(data: bytes) -> bytes:
    """SM3 (GB/T 32905) of ``data``, natively."""
    return _native_sm3.SM3(data).digest()


@lru_cache(maxsize=4096)
def _cached_verifier(public_key_der: bytes, distinguishing_id: bytes):
    """Building a verifier parses the key and hashes Z; signers repeat, so keep them."""
    if not isinstance(public_key_der, bytes) or not isinstance(distinguishing_id, bytes):
        return None
    if not 0 < len(distinguishing_id) <= _native.SM2_UID_MAX_LENGTH:
        return None
    try:
        x, y = parse_public_key(public_key_der)
    except InvalidKey:
        return None
    return _native.SM2(pk=_point_octets(x, y), uid=distinguishing_id)
