"""SM2/SM3: the standard's own examples, two independent libraries, and the strict form."""

import ecdsa.der as der
import ecdsa.util
import gmalglib.sm2
import pytest
from gmssl import func as gmssl_func
from gmssl import sm2 as gmssl_sm2
from gmssl import sm3 as gmssl_sm3
from hypothesis import given, settings
from hypothesis import strategies as st
from tongsuopy.crypto import hashes as tongsuo_hashes
from tongsuopy.crypto import serialization as tongsuo_serialization
from tongsuopy.crypto.asymciphers import ec as tongsuo_ec

from ledger import (
    SM2_SM3,
    InvalidKey,
    SM2PrivateKey,
    generate_private_key,
    key_id,
    key_suite,
    load_private_key,
    private_key_pem,
    public_key_der,
    reference_signature_reason,
    sign,
    signature_reason,
    sm3,
    verify,
)
from ledger import sm2 as ours

# GM/T 0003.5-2012 (GB/T 32918.5-2017) Annex A: signing on the recommended curve.
D = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
PUBLIC_X = 0x09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020
PUBLIC_Y = 0xCCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13
K = bytes.fromhex("59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21")
MESSAGE = b"message digest"
STANDARD_EXAMPLES = [
    pytest.param(
        b"1234567812345678",
        "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3",
        "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa",
        id="default-id",
    ),
    pytest.param(
        b"ALICE123@YAHOO.COM",
        "b0e3e7d4ac2178f833ad73fa9d1191e41c76c8bfedb5ad89040ba2e5184bde58",
        "cc8d096578f7dd2669ac1ac42f7e722bcfa42b9e0be0b1b5df7ca0b53fdd5750",
        id="alice-id",
    ),
]
SM3 = tongsuo_hashes.SM3()


def standard_key(distinguishing_id=b"1234567812345678") -> SM2PrivateKey:
    return SM2PrivateKey(D, distinguishing_id)


def split(signature: bytes) -> tuple[int, int]:
    return int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")


def join(r: int, s: int) -> bytes:
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


# -- SM3 (GB/T 32905-2016, Annex A) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "digest"),
    [
        (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
        (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
    ],
)
def test_sm3_gives_the_standards_digests_natively_and_in_both_other_libraries(message, digest):
    assert sm3(message).hex() == digest
    assert gmssl_sm3.sm3_hash(gmssl_func.bytes_to_list(message)) == digest
    tongsuo = tongsuo_hashes.Hash(SM3)
    tongsuo.update(message)
    assert tongsuo.finalize().hex() == digest


# -- SM2 signatures: the standard's example ---------------------------------------------------


def test_the_standards_private_key_gives_its_public_key():
    key = standard_key()
    assert (key.x, key.y) == (PUBLIC_X, PUBLIC_Y)
    assert ours.parse_public_key(public_key_der(key)) == (PUBLIC_X, PUBLIC_Y)


@pytest.mark.parametrize(("identity", "r", "s"), STANDARD_EXAMPLES)
def test_the_standards_signature_verifies_natively_and_by_the_reference(identity, r, s):
    public = public_key_der(standard_key())
    signature = bytes.fromhex(r + s)
    assert signature_reason(public, MESSAGE, signature, identity) is None
    assert reference_signature_reason(public, MESSAGE, signature, identity) is None
    assert not verify(public, MESSAGE + b".", signature, identity)


@pytest.mark.parametrize(("identity", "r", "s"), STANDARD_EXAMPLES)
def test_with_the_standards_nonce_the_native_signer_makes_the_standards_signature(identity, r, s):
    # gmalglib draws the nonce from rnd_fn and reads it as a little-endian number
    signer = gmalglib.sm2.SM2(sk=D, uid=identity, rnd_fn=lambda size: K[::-1])
    assert signer.sign(MESSAGE).hex() == r + s


def test_with_the_standards_nonce_the_reference_signer_makes_the_standards_signature():
    key = standard_key()
    z = sm3(ours.entity_info(key.distinguishing_id, key.x, key.y))
    digest = sm3(z + MESSAGE)
    reference = gmssl_sm2.CryptSM2(
        public_key=f"{PUBLIC_X:064x}{PUBLIC_Y:064x}", private_key=D.hex()
    )
    assert (
        reference.sign(digest, K.hex())
        == STANDARD_EXAMPLES[0].values[1] + (STANDARD_EXAMPLES[0].values[2])
    )


def test_a_signature_under_one_distinguishing_id_does_not_verify_under_another():
    alice = standard_key(b"ALICE123@YAHOO.COM")
    public = public_key_der(alice)
    signature = sign(alice, MESSAGE)
    assert verify(public, MESSAGE, signature, b"ALICE123@YAHOO.COM")
    assert not verify(public, MESSAGE, signature)
    assert not verify(public, MESSAGE, sign(standard_key(), MESSAGE), b"ALICE123@YAHOO.COM")


# -- a second independent library, both ways ----------------------------------------------


def test_signatures_made_by_tongsuo_verify_with_ours_natively_and_by_the_reference():
    tongsuo_key = tongsuo_ec.generate_private_key(tongsuo_ec.SM2())
    public = tongsuo_key.public_key().public_bytes(
        tongsuo_serialization.Encoding.DER, tongsuo_serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert key_suite(public) == SM2_SM3
    for message in (b"", b"x", MESSAGE, bytes(range(256)) * 9):
        der_signature = tongsuo_key.sign(message, tongsuo_ec.ECDSA(SM3))
        signature = join(*ecdsa.util.sigdecode_der(der_signature, ours.N))
        assert signature_reason(public, message, signature) is None
        assert reference_signature_reason(public, message, signature) is None


def test_signatures_made_by_ours_verify_with_tongsuo():
    key = generate_private_key(SM2_SM3)
    tongsuo_public = tongsuo_serialization.load_der_public_key(public_key_der(key))
    for message in (b"", b"x", MESSAGE, bytes(range(256)) * 9):
        der_signature = ecdsa.util.sigencode_der(*split(sign(key, message)), ours.N)
        tongsuo_public.verify(der_signature, message, tongsuo_ec.ECDSA(SM3))  # raises if not


def test_signatures_made_by_the_pure_python_reference_verify_with_ours():
    key = generate_private_key(SM2_SM3)
    secret = load_private_key(private_key_pem(key))._secret
    reference = gmssl_sm2.CryptSM2(public_key=f"{key.x:064x}{key.y:064x}", private_key=secret.hex())
    signature = bytes.fromhex(reference.sign_with_sm3(MESSAGE, gmssl_func.random_hex(64)))
    assert verify(public_key_der(key), MESSAGE, signature)


def test_our_keys_are_the_encodings_tongsuo_writes_and_reads():
    key = generate_private_key(SM2_SM3)
    tongsuo_key = tongsuo_serialization.load_pem_private_key(private_key_pem(key), None)
    assert tongsuo_key.public_key().public_bytes(
        tongsuo_serialization.Encoding.DER, tongsuo_serialization.PublicFormat.SubjectPublicKeyInfo
    ) == public_key_der(key)
    pkcs8 = tongsuo_key.private_bytes(
        tongsuo_serialization.Encoding.PEM,
        tongsuo_serialization.PrivateFormat.PKCS8,
        tongsuo_serialization.NoEncryption(),
    )
    assert public_key_der(load_private_key(pkcs8)) == public_key_der(key)


# -- keys -----------------------------------------------------------------------------------


def test_an_sm2_key_is_known_by_its_curve_oid_and_keeps_one_id_compressed_or_not():
    key = generate_private_key(SM2_SM3)
    compressed = der.encode_sequence(
        der.remove_sequence(public_key_der(key))[0][:21],  # the AlgorithmIdentifier
        der.encode_bitstring(bytes([2 + (key.y & 1)]) + key.x.to_bytes(32, "big"), 0),
    )
    assert key_suite(compressed) == SM2_SM3
    assert key_id(compressed) == key_id(public_key_der(key)) == key_id(key)
    assert key_suite(public_key_der(generate_private_key())) == "ecdsa-p256-sha256"


@pytest.mark.parametrize(
    ("spki", "reason"),
    [
        pytest.param(
            ours.public_key_der(ours.GX, ours.GY + 1), "KEY_INVALID", id="point-off-the-curve"
        ),
        pytest.param(
            ours.public_key_der(ours.GX, ours.GY) + b"\x00", "KEY_INVALID", id="trailing-byte"
        ),
        # no SM2 curve OID to be read: judged by the P-256 rules, whose low-S rule this fails
        pytest.param(
            ours.public_key_der(ours.GX, ours.GY)[:-1], "SIGNATURE_HIGH_S", id="truncated"
        ),
        pytest.param(
            der.encode_sequence(
                der.encode_sequence(
                    der.encode_oid(*ours.EC_PUBLIC_KEY_OID), der.encode_oid(1, 3, 132, 0, 10)
                ),
                der.encode_bitstring(b"\x04" + bytes(64), 0),
            ),
            "SIGNATURE_HIGH_S",
            id="another-curve",
        ),
    ],
)
def test_a_key_that_is_no_sm2_point_is_refused(spki, reason):
    identity, r, s = STANDARD_EXAMPLES[0].values
    signature = bytes.fromhex(r + s)  # s is above half the P-256 order
    with pytest.raises(InvalidKey):
        key_suite(spki)
    assert signature_reason(spki, MESSAGE, signature, None) == reason
    assert reference_signature_reason(spki, MESSAGE, signature) == reason


def test_a_p256_key_has_no_distinguishing_id():
    key = generate_private_key()
    signature = sign(key, MESSAGE)
    assert verify(public_key_der(key), MESSAGE, signature)
    assert signature_reason(public_key_der(key), MESSAGE, signature, b"1234") == "KEY_INVALID"
    with pytest.raises(InvalidKey):
        generate_private_key(distinguishing_id=b"1234")


def test_an_sm2_private_key_round_trips_through_pem_with_its_distinguishing_id():
    key = generate_private_key(SM2_SM3, b"BANK-7@example")
    loaded = load_private_key(private_key_pem(key), distinguishing_id=b"BANK-7@example")
    assert public_key_der(loaded) == public_key_der(key)
    assert verify(public_key_der(key), MESSAGE, sign(loaded, MESSAGE), b"BANK-7@example")
    assert "secret" not in repr(key) and key._secret.hex() not in repr(key)


def test_an_sm2_private_key_is_not_stored_under_a_password():
    with pytest.raises(InvalidKey, match="unencrypted"):
        private_key_pem(generate_private_key(SM2_SM3), b"password")
    with pytest.raises(InvalidKey, match="unencrypted"):
        load_private_key(private_key_pem(generate_private_key(SM2_SM3)), b"password")


# -- the strict form: the same reasons natively and by the reference ------------------------


def malformed(signature: bytes) -> dict[str, tuple[bytes, str]]:
    r, s = split(signature)
    n = ours.N
    return {
        "short": (signature[:63], "SIGNATURE_LENGTH"),
        "long": (signature + b"\x00", "SIGNATURE_LENGTH"),
        "der": (ecdsa.util.sigencode_der(r, s, n), "SIGNATURE_LENGTH"),
        "r-zero": (join(0, s), "SIGNATURE_ZERO"),
        "s-zero": (join(r, 0), "SIGNATURE_ZERO"),
        "r-is-n": (join(n, s), "SIGNATURE_OUT_OF_RANGE"),
        "s-is-n": (join(r, n), "SIGNATURE_OUT_OF_RANGE"),
        "r-plus-n": (
            join(r + n, s) if r + n < 2**256 else join(n + 1, s),
            "SIGNATURE_OUT_OF_RANGE",
        ),
        "r-plus-s-is-n": (join(r, n - r), "SIGNATURE_OUT_OF_RANGE"),
        "s-negated": (join(r, n - s), "SIGNATURE_MISMATCH"),
        "both-negated": (join(n - r, n - s), "SIGNATURE_MISMATCH"),
        "r-negated": (join(n - r, s), "SIGNATURE_MISMATCH"),
    }


@pytest.mark.parametrize("case", list(malformed(bytes(64))))
def test_a_malformed_or_derived_signature_is_refused_with_its_reason(case):
    key = standard_key()
    public, signature = public_key_der(key), sign(key, MESSAGE)
    bad, reason = malformed(signature)[case]
    assert signature_reason(public, MESSAGE, bad) == reason
    assert reference_signature_reason(public, MESSAGE, bad) == reason


def test_sm2_accepts_high_s_because_negating_s_gives_no_second_signature():
    """ECDSA's (r, n - s) verifies because only x(R) is checked; SM2's point sG + (r + s)P moves
    with s, so there is no twin to exclude and no low-S rule."""
    key = standard_key()
    signatures = [sign(key, MESSAGE + bytes([n])) for n in range(40)]
    high = [sig for sig in signatures if split(sig)[1] > ours.N // 2]
    assert high  # about half of all signatures
    for number, signature in enumerate(signatures):
        assert verify(public_key_der(key), MESSAGE + bytes([number]), signature)


@settings(max_examples=15, deadline=None)
@given(message=st.binary(max_size=300), flip=st.integers(min_value=0, max_value=64 * 8 - 1))
def test_native_and_reference_agree_on_valid_and_tampered_signatures(message, flip):
    key = standard_key()
    public, signature = public_key_der(key), sign(key, message)
    tampered = bytearray(signature)
    tampered[flip // 8] ^= 1 << (flip % 8)
    for candidate in (signature, bytes(tampered)):
        assert signature_reason(public, message, candidate) == reference_signature_reason(
            public, message, candidate
        )
    assert signature_reason(public, message, signature) is None


def test_the_signer_never_hands_out_a_signature_the_verifier_refuses(monkeypatch):
    key = standard_key()
    refused = join(5, ours.N - 5)  # r + s = n: what gmalglib would return if r + k = n
    answers = iter([refused, bytes(64)])
    real = key._signer

    class Flaky:
        def sign(self, message):
            return next(answers, None) or real.sign(message)

    monkeypatch.setattr(key, "_signer", Flaky())
    assert verify(public_key_der(key), MESSAGE, key.sign(MESSAGE))


@pytest.mark.parametrize("identity", [b"", b"x" * 8192, "1234567812345678"])
def test_a_distinguishing_id_that_is_no_non_empty_bytes_of_at_most_8191_is_refused(identity):
    key = standard_key()
    signature = sign(key, MESSAGE)
    assert signature_reason(public_key_der(key), MESSAGE, signature, identity) == "KEY_INVALID"
    assert reference_signature_reason(public_key_der(key), MESSAGE, signature, identity) == (
        "KEY_INVALID"
    )
