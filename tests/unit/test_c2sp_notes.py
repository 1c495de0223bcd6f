"""Ed25519 checkpoint signatures (0x01) and cosignature/v1 (0x04), exactly as C2SP says.

The known answers are the published test vector of Go's golang.org/x/mod/sumdb/note (key
"PeterNeumann"), so our encoding is checked against an independent implementation's output.
"""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import Checkpoint, InvalidCheckpoint, InvalidKey, generate_private_key
from ledger.checkpoints import (
    attach_cosignature,
    cosignature_v1_line,
    sign_checkpoint,
    verify_checkpoint,
)
from ledger.ed25519 import (
    CosignerKey,
    Ed25519NoteKey,
    cosign_v1,
    cosignature_timestamp,
    ed25519_key_from_vkey,
    generate_ed25519_key,
    raw_public_key,
    sign_note_ed25519,
)
from ledger.notes import NoteKey, parse_note
from ledger.vkeys import parse_vkey

GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_LINE = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdng"
    "otpRZb6KE6RyyBwJnAM=\n"
)
ORIGIN = "test.billchain/ledger"


@pytest.fixture(scope="module")
def log():
    return generate_private_key(), generate_ed25519_key()


def a_checkpoint(size: int = 7) -> Checkpoint:
    return Checkpoint(ORIGIN, size, hashlib.sha256(str(size).encode()).digest())


def test_an_ed25519_vkey_matches_go_sumdb_note_for_its_published_key():
    key = ed25519_key_from_vkey(GO_VKEY)
    assert key.key_id == 0xC74F20A3
    assert key.vkey() == GO_VKEY
    assert Ed25519NoteKey.of("PeterNeumann", Ed25519PrivateKey.from_private_bytes(GO_SEED)) == key


def test_an_ed25519_signature_line_matches_go_sumdb_note_byte_for_byte():
    signer = Ed25519PrivateKey.from_private_bytes(GO_SEED)
    assert sign_note_ed25519(GO_TEXT, "PeterNeumann", signer).line() == GO_LINE


def test_the_key_id_is_sha256_of_name_newline_type_and_public_key():
    private = generate_ed25519_key()
    public = raw_public_key(private)
    for kind, type_byte in ((Ed25519NoteKey, b"\x01"), (CosignerKey, b"\x04")):
        expected = hashlib.sha256(b"witness.example/w1\n" + type_byte + public).digest()[:4]
        assert kind("witness.example/w1", public).key_id == struct.unpack(">I", expected)[0]


def test_a_checkpoint_carries_the_p256_and_the_ed25519_line_under_the_origin(log):
    p256, ed = log
    note = parse_note(sign_checkpoint(a_checkpoint(), p256, ed25519_key=ed))
    assert [s.name for s in note.signatures] == [ORIGIN, ORIGIN]
    assert {s.key_id for s in note.signatures} == {
        NoteKey.of(ORIGIN, p256).key_id,
        Ed25519NoteKey.of(ORIGIN, ed).key_id,
    }


@pytest.mark.parametrize("pinned", ["p256", "ed25519"])
def test_a_verifier_may_pin_either_of_the_logs_keys(log, pinned):
    p256, ed = log
    note = sign_checkpoint(a_checkpoint(), p256, ed25519_key=ed)
    key = NoteKey.of(ORIGIN, p256) if pinned == "p256" else Ed25519NoteKey.of(ORIGIN, ed)
    assert verify_checkpoint(note, parse_vkey(key.vkey())).checkpoint == a_checkpoint()


def test_an_edited_checkpoint_fails_its_ed25519_signature(log):
    p256, ed = log
    note = sign_checkpoint(a_checkpoint(), p256, ed25519_key=ed).replace("\n7\n", "\n8\n")
    with pytest.raises(InvalidCheckpoint):
        verify_checkpoint(note, Ed25519NoteKey.of(ORIGIN, ed))


def test_a_checkpoint_signed_only_with_ed25519_verifies_with_the_ed25519_key(log):
    _, ed = log
    note = sign_checkpoint(a_checkpoint(), None, ed25519_key=ed)
    assert len(parse_note(note).signatures) == 1
    assert verify_checkpoint(note, Ed25519NoteKey.of(ORIGIN, ed)).signers == {ORIGIN}


def test_a_cosignature_v1_signs_header_time_line_and_the_checkpoint_text(log):
    p256, ed = log
    witness = generate_ed25519_key()
    note = sign_checkpoint(a_checkpoint(), p256, ed25519_key=ed)
    line = parse_note(note + cosignature_v1_line(note, "w.example/1", witness, 1679315147))
    cosignature = line.signatures[-1]
    assert cosignature_timestamp(cosignature) == 1679315147
    message = b"cosignature/v1\ntime 1679315147\n" + a_checkpoint().text().encode()
    witness.public_key().verify(cosignature.signature[8:], message)  # raises if not


def test_a_cosigned_checkpoint_counts_the_witness_with_its_0x04_key(log):
    p256, ed = log
    witness = generate_ed25519_key()
    note = sign_checkpoint(a_checkpoint(), p256, ed25519_key=ed)
    key = CosignerKey.of("w.example/1", witness)
    cosigned = attach_cosignature(note, cosignature_v1_line(note, key.name, witness, 5), key)
    verified = verify_checkpoint(cosigned, Ed25519NoteKey.of(ORIGIN, ed), [key], 1)
    assert verified.cosigners() == {"w.example/1"}


def test_a_cosignature_is_not_a_plain_ed25519_note_signature(log):
    """The 0x04 key id differs from 0x01's, and the signed message carries the header, so the
    same key's plain signature can never pass as a cosignature (nor the reverse)."""
    p256, ed = log
    witness = generate_ed25519_key()
    note = sign_checkpoint(a_checkpoint(), p256, ed25519_key=ed)
    plain = sign_note_ed25519(parse_note(note).text, "w.example/1", witness)
    with pytest.raises(InvalidCheckpoint):
        attach_cosignature(note, plain.line(), CosignerKey.of("w.example/1", witness))


@pytest.mark.parametrize("corrupt", ["timestamp", "signature", "truncated"])
def test_a_corrupt_cosignature_line_is_refused(log, corrupt):
    p256, ed = log
    witness = generate_ed25519_key()
    key = CosignerKey.of("w.example/1", witness)
    note = sign_checkpoint(a_checkpoint(), p256, ed25519_key=ed)
    good = cosign_v1(parse_note(note).text, key.name, witness, 1000)
    payload = bytearray(good.signature)
    if corrupt == "timestamp":
        payload[7] ^= 1
    elif corrupt == "signature":
        payload[-1] ^= 1
    else:
        payload = payload[:40]
    bad = type(good)(good.name, good.key_id, bytes(payload))
    with pytest.raises(InvalidCheckpoint):
        attach_cosignature(note, bad.line(), key)


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong key id
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # unknown type
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",  # length
        "PeterNeumann+c74f20a3",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_a_bad_ed25519_vkey_is_refused(vkey):
    with pytest.raises(InvalidKey):
        parse_vkey(vkey)


def test_parse_vkey_returns_the_key_of_each_type(log):
    p256, ed = log
    for key in (
        NoteKey.of(ORIGIN, p256),
        Ed25519NoteKey.of(ORIGIN, ed),
        CosignerKey.of("w.example/1", ed),
    ):
        assert parse_vkey(key.vkey()) == key
