import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import (
    InvalidSignature,
    generate_private_key,
    key_id,
    load_private_key,
    private_key_pem,
    public_key_der,
    reference_verify,
    require_valid_signature,
    sign,
    signature_reason,
    verify,
)
from ledger.signatures import CURVE_ORDER, HALF_ORDER, reference_signature_reason

KEY = generate_private_key()
PUBLIC = public_key_der(KEY)
MESSAGE = b'{"type":"bill.endorse"}'
SIGNATURE = sign(KEY, MESSAGE)
R = int.from_bytes(SIGNATURE[:32], "big")
S = int.from_bytes(SIGNATURE[32:], "big")


def raw(r: int, s: int) -> bytes:
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def test_a_fresh_signature_is_64_bytes_low_s_and_verifies():
    assert len(SIGNATURE) == 64
    assert S <= HALF_ORDER
    assert verify(PUBLIC, MESSAGE, SIGNATURE)
    assert signature_reason(PUBLIC, MESSAGE, SIGNATURE) is None


def test_signing_always_yields_low_s():
    for position in range(50):
        signature = sign(KEY, b"m%d" % position)
        assert int.from_bytes(signature[32:], "big") <= HALF_ORDER


OTHER_KEY = generate_private_key()
COMPRESSED_PUBLIC = KEY.public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
)

REFUSALS = [
    ("high S (the malleated twin)", PUBLIC, MESSAGE, raw(R, CURVE_ORDER - S), "SIGNATURE_HIGH_S"),
    ("r is zero", PUBLIC, MESSAGE, raw(0, S), "SIGNATURE_ZERO"),
    ("s is zero", PUBLIC, MESSAGE, raw(R, 0), "SIGNATURE_ZERO"),
    ("all zero", PUBLIC, MESSAGE, bytes(64), "SIGNATURE_ZERO"),
    ("r equals n", PUBLIC, MESSAGE, raw(CURVE_ORDER, S), "SIGNATURE_OUT_OF_RANGE"),
    ("r above n", PUBLIC, MESSAGE, b"\xff" * 32 + SIGNATURE[32:], "SIGNATURE_OUT_OF_RANGE"),
    ("s equals n", PUBLIC, MESSAGE, raw(R, CURVE_ORDER), "SIGNATURE_OUT_OF_RANGE"),
    ("truncated", PUBLIC, MESSAGE, SIGNATURE[:63], "SIGNATURE_LENGTH"),
    ("one byte too long", PUBLIC, MESSAGE, SIGNATURE + b"\x00", "SIGNATURE_LENGTH"),
    ("empty", PUBLIC, MESSAGE, b"", "SIGNATURE_LENGTH"),
    ("DER instead of r||s", PUBLIC, MESSAGE, b"\x30\x44" + SIGNATURE, "SIGNATURE_LENGTH"),
    ("text, not bytes", PUBLIC, MESSAGE, SIGNATURE.hex(), "SIGNATURE_LENGTH"),
    ("wrong key", public_key_der(OTHER_KEY), MESSAGE, SIGNATURE, "SIGNATURE_MISMATCH"),
    ("wrong message", PUBLIC, MESSAGE + b" ", SIGNATURE, "SIGNATURE_MISMATCH"),
    ("r and s swapped", PUBLIC, MESSAGE, SIGNATURE[32:] + SIGNATURE[:32], None),
    ("a flipped bit", PUBLIC, MESSAGE, SIGNATURE[:10] + b"\x01" + SIGNATURE[11:], None),
    ("garbage key", b"\x30\x59" + bytes(89), MESSAGE, SIGNATURE, "KEY_INVALID"),
    ("empty key", b"", MESSAGE, SIGNATURE, "KEY_INVALID"),
]


@pytest.mark.parametrize(
    "public, message, signature, reason",
    [case[1:] for case in REFUSALS],
    ids=[c[0] for c in REFUSALS],
)
def test_bad_signatures_are_refused_with_their_reason(public, message, signature, reason):
    got = signature_reason(public, message, signature)
    assert got is not None
    if reason is not None:  # swapped or flipped values may fail range checks or the curve
        assert got == reason
    assert verify(public, message, signature) is False
    assert reference_verify(public, message, signature) is False
    with pytest.raises(InvalidSignature) as refused:
        require_valid_signature(public, message, signature)
    assert refused.value.code == got


def test_a_key_on_another_curve_is_refused():
    from cryptography.hazmat.primitives.asymmetric import ec

    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    der = p384.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert signature_reason(der, MESSAGE, SIGNATURE) == "KEY_INVALID"
    assert reference_signature_reason(der, MESSAGE, SIGNATURE) == "KEY_INVALID"


def test_a_point_off_the_curve_is_refused():
    off_curve = bytearray(PUBLIC)
    off_curve[-1] ^= 0x01  # y no longer satisfies the curve equation
    assert signature_reason(bytes(off_curve), MESSAGE, SIGNATURE) == "KEY_INVALID"
    assert reference_verify(bytes(off_curve), MESSAGE, SIGNATURE) is False


@pytest.mark.parametrize(
    "junk", [None, 42, "text", object(), [1, 2]], ids=["None", "42", "text", "object", "list"]
)
def test_verify_never_raises_on_junk(junk):
    assert verify(junk, MESSAGE, SIGNATURE) is False
    assert verify(PUBLIC, junk, SIGNATURE) is False
    assert verify(PUBLIC, MESSAGE, junk) is False
    assert reference_verify(junk, junk, junk) is False


def test_key_ids_are_the_hash_of_the_canonical_public_key():
    assert key_id(PUBLIC) == hashlib.sha256(PUBLIC).hexdigest()
    assert key_id(KEY.public_key()) == key_id(PUBLIC)


def test_private_keys_round_trip_through_pem_with_and_without_a_password():
    for password in (None, b"correct horse"):
        loaded = load_private_key(private_key_pem(KEY, password), password)
        assert public_key_der(loaded) == PUBLIC


@settings(max_examples=60, deadline=None)
@given(message=st.binary(max_size=512), tamper=st.integers(0, 511))
def test_both_backends_agree_on_signed_and_tampered_messages(message, tamper):
    signature = sign(KEY, message)
    assert verify(PUBLIC, message, signature) and reference_verify(PUBLIC, message, signature)
    changed = bytearray(message or b"\x00")
    changed[tamper % len(changed)] ^= 0x80
    changed = bytes(changed)
    if changed != message:
        assert signature_reason(PUBLIC, changed, signature) == "SIGNATURE_MISMATCH"
        assert reference_signature_reason(PUBLIC, changed, signature) == "SIGNATURE_MISMATCH"


@settings(max_examples=60, deadline=None)
@given(signature=st.binary(min_size=64, max_size=64))
def test_both_backends_agree_on_random_signatures(signature):
    assert signature_reason(PUBLIC, MESSAGE, signature) == reference_signature_reason(
        PUBLIC, MESSAGE, signature
    )
