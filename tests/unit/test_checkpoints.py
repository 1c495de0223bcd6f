"""Checkpoints as C2SP signed notes: text format, signing, verification, witnesses, vkeys.

Everything is built from fresh random keys, origins and roots; the only expected values are
ones derived here from the spec (key id = SHA-256(SPKI DER)[:4], signature = DER ECDSA).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import struct
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from ledger import (
    Checkpoint,
    InvalidCheckpoint,
    InvalidKey,
    NoteKey,
    attach_cosignature,
    cosign,
    cosignature_line,
    generate_private_key,
    public_key_der,
    sign_checkpoint,
    verify_checkpoint,
)
from ledger.notes import MAX_SIGNATURES, parse_note, sign_note_text, verify_note
from ledger.signatures import CURVE_ORDER, HALF_ORDER

EM_DASH = "\u2014"


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def random_origin() -> str:
    return f"ledger.example/{secrets.token_hex(4)}"


def random_checkpoint(origin: str | None = None, extensions: tuple[str, ...] = ()) -> Checkpoint:
    return Checkpoint(
        origin or random_origin(),
        secrets.randbelow(10**9) + 1,
        secrets.token_bytes(32),
        extensions,
    )


def key_id_of(private_key) -> int:
    """The spec's key id, computed independently of ledger.notes."""
    return struct.unpack(">I", hashlib.sha256(public_key_der(private_key)).digest()[:4])[0]


def line(name: str, key_id: int, signature: bytes) -> str:
    """A signature line built by hand: em dash, name, base64(key id || signature)."""
    payload = struct.pack(">I", key_id) + signature
    return f"{EM_DASH} {name} {base64.b64encode(payload).decode()}\n"


def der_signature(private_key, text: str) -> tuple[int, int]:
    """(r, low s) of an ECDSA P-256/SHA-256 signature over ``text``."""
    r, s = decode_dss_signature(private_key.sign(text.encode(), ec.ECDSA(hashes.SHA256())))
    return r, min(s, CURVE_ORDER - s)


def der_integer(value: int, pad: bool = False) -> bytes:
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")  # minimal, with a sign byte
    if body[0] == 0 and len(body) > 1 and body[1] < 0x80:
        body = body[1:]
    if pad:
        body = b"\x00" + body  # a superfluous leading zero: BER, not DER
    return b"\x02" + bytes([len(body)]) + body


def der_sequence(content: bytes, long_form: bool = False) -> bytes:
    length = bytes([0x81, len(content)]) if long_form else bytes([len(content)])
    return b"\x30" + length + content


def split_note(note: str) -> tuple[str, str]:
    """(text, signature block) of a note whose text has no blank line."""
    text, _, block = note.partition("\n\n")
    return text + "\n", block


class Log:
    def __init__(self) -> None:
        self.origin = random_origin()
        self.private_key = generate_private_key()
        self.key = NoteKey.of(self.origin, self.private_key)

    def checkpoint(self, extensions: tuple[str, ...] = ()) -> Checkpoint:
        return random_checkpoint(self.origin, extensions)


class Witness:
    def __init__(self) -> None:
        self.name = f"witness.example/{secrets.token_hex(4)}"
        self.private_key = generate_private_key()
        self.key = NoteKey.of(self.name, self.private_key)


@pytest.fixture
def log() -> Log:
    return Log()


@pytest.fixture
def witnesses() -> list[Witness]:
    return [Witness() for _ in range(3)]


# ---------------------------------------------------------------------------------------------
# Checkpoint text
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extensions",
    [(), ("one extension",), ("ext a", "ext b with spaces", f"{EM_DASH} looks like a signature")],
)
def test_a_checkpoint_text_is_origin_size_root_and_extensions_and_parses_back(extensions):
    checkpoint = random_checkpoint(extensions=extensions)
    text = checkpoint.text()
    root = base64.b64encode(checkpoint.root_hash).decode()
    expected = "".join(
        f"{item}\n" for item in (checkpoint.origin, checkpoint.tree_size, root, *extensions)
    )
    assert text == expected
    assert Checkpoint.parse(text) == checkpoint


def test_a_checkpoint_of_the_empty_tree_round_trips():
    checkpoint = Checkpoint(random_origin(), 0, hashlib.sha256(b"").digest())
    assert Checkpoint.parse(checkpoint.text()) == checkpoint


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("origin\n5\n", id="no root line"),
        pytest.param("origin\n5\n{root}", id="no trailing newline"),
        pytest.param("\n5\n{root}\n", id="empty origin"),
        pytest.param("origin\n05\n{root}\n", id="size with a leading zero"),
        pytest.param("origin\n-5\n{root}\n", id="negative size"),
        pytest.param("origin\n+5\n{root}\n", id="size with a plus sign"),
        pytest.param("origin\n 5\n{root}\n", id="size with a space"),
        pytest.param("origin\nfive\n{root}\n", id="size not decimal"),
        pytest.param(f"origin\n{2**64}\n{{root}}\n", id="size beyond uint64"),
        pytest.param("origin\n5\n{root}x\n", id="root not base64"),
        pytest.param("origin\n5\n{short}\n", id="root of 31 bytes"),
        pytest.param("origin\n5\n{root}\n\nextension\n", id="empty extension line"),
    ],
)
def test_a_malformed_checkpoint_text_is_refused(text):
    text = text.format(
        root=base64.b64encode(secrets.token_bytes(32)).decode(),
        short=base64.b64encode(secrets.token_bytes(31)).decode(),
    )
    with pytest.raises(InvalidCheckpoint):
        Checkpoint.parse(text)


def test_the_largest_uint64_tree_size_parses():
    checkpoint = Checkpoint(random_origin(), 2**64 - 1, secrets.token_bytes(32))
    assert Checkpoint.parse(checkpoint.text()).tree_size == 2**64 - 1


# ---------------------------------------------------------------------------------------------
# Signing and verifying
# ---------------------------------------------------------------------------------------------


def test_a_checkpoint_signed_by_the_ledger_verifies(log):
    checkpoint = log.checkpoint(extensions=("a signed extension",))
    note = sign_checkpoint(checkpoint, log.private_key)
    verified = verify_checkpoint(note, log.key)
    assert verified.checkpoint == checkpoint
    assert verified.note.text == checkpoint.text()
    assert verified.signers == {log.origin}
    assert verified.cosigners() == frozenset()


def test_a_signed_note_is_the_text_a_blank_line_and_one_signature_line(log):
    checkpoint = log.checkpoint()
    note = sign_checkpoint(checkpoint, log.private_key)
    text, block = split_note(note)
    assert text == checkpoint.text()
    assert block.endswith("\n") and block.count("\n") == 1
    dash, name, encoded = block[:-1].split(" ")
    assert (dash, name) == (EM_DASH, log.origin)
    payload = base64.b64decode(encoded, validate=True)
    assert struct.unpack(">I", payload[:4])[0] == key_id_of(log.private_key) == log.key.key_id
    # the rest is the DER ECDSA signature over the text, low-S, in its one DER spelling
    r, s = decode_dss_signature(payload[4:])
    assert s <= HALF_ORDER
    assert encode_dss_signature(r, s) == payload[4:]
    log.private_key.public_key().verify(payload[4:], text.encode(), ec.ECDSA(hashes.SHA256()))


def test_a_checkpoint_verifies_with_a_key_loaded_from_its_vkey(log):
    note = sign_checkpoint(log.checkpoint(), log.private_key)
    assert verify_checkpoint(note, NoteKey.from_vkey(log.key.vkey())).signers == {log.origin}


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda c: replace(c, root_hash=secrets.token_bytes(32)), id="root"),
        pytest.param(lambda c: replace(c, tree_size=c.tree_size + 1), id="size grown"),
        pytest.param(lambda c: replace(c, tree_size=c.tree_size - 1), id="size shrunk"),
        pytest.param(lambda c: replace(c, extensions=("added",)), id="extension added"),
    ],
)
def test_a_checkpoint_edited_after_signing_is_refused(log, edit):
    checkpoint = log.checkpoint()
    _, block = split_note(sign_checkpoint(checkpoint, log.private_key))
    forged = edit(checkpoint).text() + "\n" + block
    with pytest.raises(InvalidCheckpoint, match="does not verify"):
        verify_checkpoint(forged, log.key)


def test_a_note_signed_only_by_an_unknown_key_is_refused(log):
    impostor = generate_private_key()
    note = sign_checkpoint(log.checkpoint(), impostor)  # same name, different key id
    with pytest.raises(InvalidCheckpoint, match="no signature"):
        verify_checkpoint(note, log.key)


def test_a_note_signed_only_by_an_unknown_name_is_refused(log):
    note = sign_checkpoint(log.checkpoint(), log.private_key, name="someone-else")
    with pytest.raises(InvalidCheckpoint):
        verify_checkpoint(note, log.key)


@pytest.mark.parametrize("bad_first", [True, False], ids=["bad line first", "bad line last"])
def test_a_known_keys_bad_signature_line_rejects_the_note_even_beside_a_good_line(log, bad_first):
    checkpoint = log.checkpoint()
    good = sign_checkpoint(checkpoint, log.private_key)
    text, good_line = split_note(good)
    # a genuine signature by the log, but over some other text
    r, s = der_signature(log.private_key, log.checkpoint().text())
    bad_line = line(log.origin, log.key.key_id, encode_dss_signature(r, s))
    lines = bad_line + good_line if bad_first else good_line + bad_line
    with pytest.raises(InvalidCheckpoint, match="does not verify"):
        verify_checkpoint(text + "\n" + lines, log.key)


def test_a_known_witness_bad_line_rejects_the_note_even_though_the_log_signed_it(log, witnesses):
    witness = witnesses[0]
    note = sign_checkpoint(log.checkpoint(), log.private_key)
    r, s = der_signature(witness.private_key, log.checkpoint().text())
    bad = note + line(witness.name, witness.key.key_id, encode_dss_signature(r, s))
    assert verify_checkpoint(bad, log.key).signers == {log.origin}  # witness unknown: ignored
    with pytest.raises(InvalidCheckpoint, match="does not verify"):
        verify_checkpoint(bad, log.key, [witness.key])


def test_signature_lines_from_unknown_keys_are_ignored(log, witnesses):
    checkpoint = log.checkpoint()
    note = cosign(sign_checkpoint(checkpoint, log.private_key), "stranger", generate_private_key())
    note += line("garbage", secrets.randbits(32), secrets.token_bytes(64))
    note += line(log.origin, log.key.key_id ^ 1, secrets.token_bytes(70))  # known name, other id
    verified = verify_checkpoint(note, log.key, [w.key for w in witnesses])
    assert verified.checkpoint == checkpoint
    assert verified.signers == {log.origin}


def test_the_origin_must_equal_the_log_key_name(log):
    other_name = random_origin()
    note = sign_checkpoint(log.checkpoint(), log.private_key, name=other_name)
    with pytest.raises(InvalidCheckpoint, match="origin"):
        verify_checkpoint(note, NoteKey(other_name, public_key_der(log.private_key)))


def test_a_witness_key_cannot_stand_in_for_the_log_by_sharing_its_name(log, witnesses):
    checkpoint = log.checkpoint()
    witness = witnesses[0]
    note = sign_checkpoint(checkpoint, witness.private_key, name=log.origin)
    impersonator = NoteKey(log.origin, public_key_der(witness.private_key))
    with pytest.raises(InvalidCheckpoint):
        verify_checkpoint(note, log.key, [impersonator])


def test_a_note_text_that_is_not_a_checkpoint_is_refused(log):
    text = f"{log.origin}\nnot a size\n"
    note = text + "\n" + sign_note_text(text, log.origin, log.private_key).line()
    with pytest.raises(InvalidCheckpoint):
        verify_checkpoint(note, log.key)


# ---------------------------------------------------------------------------------------------
# Signature encodings: low-S, canonical DER, canonical base64
# ---------------------------------------------------------------------------------------------


def test_a_high_s_signature_line_is_refused(log):
    text = log.checkpoint().text()
    r, s = der_signature(log.private_key, text)
    high = encode_dss_signature(r, CURVE_ORDER - s)
    # mathematically valid: OpenSSL accepts it; only the low-S rule refuses it
    log.private_key.public_key().verify(high, text.encode(), ec.ECDSA(hashes.SHA256()))
    low_note = text + "\n" + line(log.origin, log.key.key_id, encode_dss_signature(r, s))
    assert verify_checkpoint(low_note, log.key).signers == {log.origin}
    with pytest.raises(InvalidCheckpoint, match="does not verify"):
        verify_checkpoint(text + "\n" + line(log.origin, log.key.key_id, high), log.key)


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(
            lambda r, s: der_sequence(der_integer(r, pad=True) + der_integer(s)), id="padded r"
        ),
        pytest.param(
            lambda r, s: der_sequence(der_integer(r) + der_integer(s, pad=True)), id="padded s"
        ),
        pytest.param(
            lambda r, s: der_sequence(der_integer(r) + der_integer(s), long_form=True),
            id="long-form length",
        ),
        pytest.param(
            lambda r, s: der_sequence(der_integer(r) + der_integer(s)) + b"\x00",
            id="trailing byte",
        ),
        pytest.param(lambda r, s: r.to_bytes(32, "big") + s.to_bytes(32, "big"), id="raw r||s"),
    ],
)
def test_a_non_canonical_der_signature_line_is_refused(log, encode):
    text = log.checkpoint().text()
    r, s = der_signature(log.private_key, text)
    assert der_sequence(der_integer(r) + der_integer(s)) == encode_dss_signature(r, s)
    variant = encode(r, s)
    assert variant != encode_dss_signature(r, s)
    with pytest.raises(InvalidCheckpoint):
        verify_checkpoint(text + "\n" + line(log.origin, log.key.key_id, variant), log.key)


def test_a_signature_line_in_non_canonical_base64_is_refused(log):
    text = log.checkpoint().text()
    while True:  # a DER length for which the base64 has unused trailing bits to flip
        signature = sign_note_text(text, log.origin, log.private_key)
        encoded = signature.line()[:-1].split(" ")[2]
        if encoded.endswith("="):
            break
    stem = encoded.rstrip("=")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    twisted = stem[:-1] + alphabet[alphabet.index(stem[-1]) ^ 1] + encoded[len(stem) :]
    assert base64.b64decode(twisted) == base64.b64decode(encoded)  # same bytes, other spelling
    assert verify_checkpoint(text + "\n" + signature.line(), log.key)
    with pytest.raises(InvalidCheckpoint, match="base64"):
        verify_checkpoint(f"{text}\n{EM_DASH} {log.origin} {twisted}\n", log.key)


# ---------------------------------------------------------------------------------------------
# Witness cosignatures
# ---------------------------------------------------------------------------------------------


def test_a_witness_cosignature_is_reported_as_a_cosigner(log, witnesses):
    witness = witnesses[0]
    checkpoint = log.checkpoint()
    note = cosign(sign_checkpoint(checkpoint, log.private_key), witness.name, witness.private_key)
    verified = verify_checkpoint(note, log.key, [witness.key], min_cosignatures=1)
    assert verified.checkpoint == checkpoint
    assert verified.signers == {log.origin, witness.name}
    assert verified.cosigners() == {witness.name}
    assert [s.name for s in parse_note(note).signatures] == [log.origin, witness.name]


def test_a_cosignature_line_sent_back_is_attached_after_verification(log, witnesses):
    note = sign_checkpoint(log.checkpoint(), log.private_key)
    for witness in witnesses:
        cosignature = cosignature_line(note, witness.name, witness.private_key)
        assert cosignature.startswith(f"{EM_DASH} {witness.name} ")
        note = attach_cosignature(note, cosignature, witness.key)
    verified = verify_checkpoint(note, log.key, [w.key for w in witnesses], min_cosignatures=3)
    assert verified.cosigners() == {w.name for w in witnesses}


def test_cosigning_twice_keeps_one_line_per_witness(log, witnesses):
    witness = witnesses[0]
    note = sign_checkpoint(log.checkpoint(), log.private_key)
    note = cosign(note, witness.name, witness.private_key)
    note = cosign(note, witness.name, witness.private_key)
    note = attach_cosignature(
        note, cosignature_line(note, witness.name, witness.private_key), witness.key
    )
    assert [s.name for s in parse_note(note).signatures] == [log.origin, witness.name]
    assert verify_checkpoint(note, log.key, [witness.key]).cosigners() == {witness.name}


@pytest.mark.parametrize("cosigned_by", [0, 1, 2, 3])
def test_min_cosignatures_is_enforced(log, witnesses, cosigned_by):
    note = sign_checkpoint(log.checkpoint(), log.private_key)
    for witness in witnesses[:cosigned_by]:
        note = cosign(note, witness.name, witness.private_key)
    keys = [w.key for w in witnesses]
    for required in range(4):
        if cosigned_by >= required:
            verified = verify_checkpoint(note, log.key, keys, min_cosignatures=required)
            assert len(verified.cosigners()) == cosigned_by
        else:
            with pytest.raises(InvalidCheckpoint, match="cosignatures"):
                verify_checkpoint(note, log.key, keys, min_cosignatures=required)


def test_cosignatures_by_witnesses_not_listed_do_not_count(log, witnesses):
    note = sign_checkpoint(log.checkpoint(), log.private_key)
    for witness in witnesses[1:]:
        note = cosign(note, witness.name, witness.private_key)
    with pytest.raises(InvalidCheckpoint, match="cosignatures"):
        verify_checkpoint(note, log.key, [witnesses[0].key], min_cosignatures=1)


def test_a_witness_signature_alone_does_not_make_a_checkpoint_valid(log, witnesses):
    witness = witnesses[0]
    text = log.checkpoint().text()
    note = text + "\n" + sign_note_text(text, witness.name, witness.private_key).line()
    with pytest.raises(InvalidCheckpoint, match="not signed by the log"):
        verify_checkpoint(note, log.key, [witness.key])


def test_attach_cosignature_refuses_a_line_signed_over_different_text(log, witnesses):
    witness = witnesses[0]
    note = sign_checkpoint(log.checkpoint(), log.private_key)
    other_note = sign_checkpoint(log.checkpoint(), log.private_key)
    cosignature = cosignature_line(other_note, witness.name, witness.private_key)
    with pytest.raises(InvalidCheckpoint):
        attach_cosignature(note, cosignature, witness.key)


def test_attach_cosignature_refuses_a_line_by_another_witness(log, witnesses):
    note = sign_checkpoint(log.checkpoint(), log.private_key)
    cosignature = cosignature_line(note, witnesses[1].name, witnesses[1].private_key)
    with pytest.raises(InvalidCheckpoint):
        attach_cosignature(note, cosignature, witnesses[0].key)


def test_attach_cosignature_refuses_extra_lines_riding_along(log, witnesses):
    witness = witnesses[0]
    note = sign_checkpoint(log.checkpoint(), log.private_key)
    cosignature = cosignature_line(note, witness.name, witness.private_key)
    poison = line(log.origin, log.key.key_id, secrets.token_bytes(70))
    for payload in (cosignature + poison, poison + cosignature):
        with pytest.raises(InvalidCheckpoint):
            attach_cosignature(note, payload, witness.key)
    assert verify_checkpoint(note, log.key).signers == {log.origin}


def test_attach_cosignature_refuses_a_line_without_its_newline(log, witnesses):
    witness = witnesses[0]
    note = sign_checkpoint(log.checkpoint(), log.private_key)
    cosignature = cosignature_line(note, witness.name, witness.private_key)
    with pytest.raises(InvalidCheckpoint):
        attach_cosignature(note, cosignature[:-1], witness.key)


# ---------------------------------------------------------------------------------------------
# Verifier keys
# ---------------------------------------------------------------------------------------------


def test_a_vkey_names_the_key_its_id_and_its_typed_public_key(log):
    name, key_id_hex, encoded = log.key.vkey().split("+", 2)
    assert name == log.origin
    assert key_id_hex == f"{key_id_of(log.private_key):08x}"
    assert base64.b64decode(encoded) == b"\x02" + public_key_der(log.private_key)


def test_a_vkey_round_trips_to_an_equal_note_key(log):
    assert NoteKey.from_vkey(log.key.vkey()) == log.key


def test_a_vkey_whose_key_data_contains_a_plus_sign_round_trips():
    for _ in range(100):  # about 6 in 7 keys have a "+" in their base64
        key = NoteKey.of(random_origin(), generate_private_key())
        if "+" in key.vkey().split("+", 2)[2]:
            break
    assert key.vkey().count("+") > 2
    assert NoteKey.from_vkey(key.vkey()) == key


def _flip_point_byte(vkey: str) -> str:
    name, key_id_hex, encoded = vkey.split("+", 2)
    raw = bytearray(base64.b64decode(encoded))
    raw[-5] ^= 0x01  # a byte of the point's y coordinate: now off the curve
    return f"{name}+{key_id_hex}+{base64.b64encode(bytes(raw)).decode()}"


def _retype(vkey: str, type_byte: bytes) -> str:
    name, key_id_hex, encoded = vkey.split("+", 2)
    raw = type_byte + base64.b64decode(encoded)[1:]
    return f"{name}+{key_id_hex}+{base64.b64encode(raw).decode()}"


def _other_key_id(vkey: str) -> str:
    name, key_id_hex, encoded = vkey.split("+", 2)
    return f"{name}+{int(key_id_hex, 16) ^ 1:08x}+{encoded}"


def _other_key(vkey: str) -> str:
    name, key_id_hex, _ = vkey.split("+", 2)
    other = NoteKey.of(name, generate_private_key()).vkey().split("+", 2)[2]
    return f"{name}+{key_id_hex}+{other}"


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(_other_key_id, id="key id changed"),
        pytest.param(_other_key, id="public key swapped"),
        pytest.param(_flip_point_byte, id="point off the curve"),
        pytest.param(lambda v: _retype(v, b"\x01"), id="signature type ed25519"),
        pytest.param(lambda v: v[:-2] + "!!", id="bad base64"),
        pytest.param(lambda v: v.split("+", 1)[1], id="no name"),
        pytest.param(lambda v: v + "+extra", id="extra part"),
        pytest.param(lambda v: "two words" + v[v.index("+") :], id="name with a space"),
        pytest.param(lambda v: v.replace("+", "+00", 1), id="key id too long"),
        pytest.param(lambda v: v[: v.index("+", v.index("+") + 1) + 1], id="no public key"),
    ],
)
def test_a_tampered_vkey_is_refused(log, tamper):
    with pytest.raises(InvalidKey):
        NoteKey.from_vkey(tamper(log.key.vkey()))


@pytest.mark.parametrize("name", ["", "two words", "a+b", "tab\tname", "trailing\n", "\u2003em"])
def test_a_note_key_name_without_spaces_or_plus_is_required(log, name):
    with pytest.raises(InvalidKey):
        NoteKey(name, public_key_der(log.private_key))


def test_a_note_key_given_a_compressed_point_is_the_same_key(log):
    point = log.private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    compressed = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    der = compressed.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert NoteKey(log.origin, der) == log.key


# ---------------------------------------------------------------------------------------------
# Malformed notes
# ---------------------------------------------------------------------------------------------


def _with_block(note: str, block: str) -> str:
    return split_note(note)[0] + "\n" + block


def _many_lines(note: str, count: int) -> str:
    return _with_block(note, split_note(note)[1] * count)


MALFORMED = [
    pytest.param(lambda n: n.replace("\n\n", "\n"), id="no blank line"),
    pytest.param(lambda n: n.replace("\n\n", "\n \n"), id="blank line with a space"),
    pytest.param(lambda n: n[:-1], id="no trailing newline"),
    pytest.param(lambda n: n + "\n", id="blank line after the signatures"),
    pytest.param(lambda n: _with_block(n, ""), id="no signature lines"),
    pytest.param(lambda n: n.replace("\n", "\r\n"), id="carriage returns"),
    pytest.param(lambda n: n.replace("\n", "\t\n", 1), id="tab in the text"),
    pytest.param(lambda n: "\x00" + n, id="nul byte"),
    pytest.param(lambda n: n.replace(" ", "\x1b ", 1), id="escape in a signature line"),
    pytest.param(lambda n: n.replace("\n", "\ud800\n", 1), id="lone surrogate"),
    pytest.param(lambda n: _many_lines(n, MAX_SIGNATURES + 1), id="too many signatures"),
    pytest.param(lambda n: n.replace(EM_DASH, "--"), id="dashes instead of em dash"),
    pytest.param(lambda n: n.replace(f"{EM_DASH} ", EM_DASH), id="no space after the dash"),
    pytest.param(lambda n: n.replace(f"{EM_DASH} ", f"{EM_DASH}  "), id="two spaces"),
    pytest.param(lambda n: n[:-1] + " extra\n", id="fourth field"),
    pytest.param(lambda n: n.rsplit(" ", 1)[0] + " \n", id="empty signature"),
    pytest.param(lambda n: n.rsplit(" ", 1)[0] + " AAAAA\n", id="base64 bad length"),
    pytest.param(lambda n: n.rsplit(" ", 1)[0] + " AAAAAA==\n", id="payload under 5 bytes"),
    pytest.param(lambda n: n.rsplit(" ", 1)[0] + " ****\n", id="not base64 alphabet"),
    pytest.param(lambda n: n.rsplit(" ", 1)[0] + " AAAAAAAA=\n", id="stray padding"),
    pytest.param(lambda n: n.rsplit(" ", 1)[0] + " AAAA====\n", id="too much padding"),
    pytest.param(lambda n: n.rsplit(" ", 1)[0] + " QUFBQUFB\xa0\n", id="trailing nbsp"),
    pytest.param(lambda n: n.replace(f"{EM_DASH} ", f"{EM_DASH} a+", 1), id="plus in name"),
]


@pytest.mark.parametrize("mangle", MALFORMED)
def test_a_malformed_note_is_refused(log, mangle):
    note = sign_checkpoint(log.checkpoint(), log.private_key)
    with pytest.raises(InvalidCheckpoint):
        verify_checkpoint(mangle(note), log.key)


@pytest.mark.parametrize("note", [None, b"bytes\n\nnote\n", 42])
def test_a_note_that_is_not_text_is_refused(log, note):
    with pytest.raises(InvalidCheckpoint):
        verify_checkpoint(note, log.key)


def test_the_maximum_number_of_signature_lines_is_accepted(log):
    note = sign_checkpoint(log.checkpoint(), log.private_key)
    parsed, signers = verify_note(_many_lines(note, MAX_SIGNATURES), [log.key])
    assert len(parsed.signatures) == MAX_SIGNATURES
    assert signers == {log.origin}


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("no newline", id="no trailing newline"),
        pytest.param("a\n\nb\n", id="blank line"),
        pytest.param("tab\there\n", id="control character"),
        pytest.param("lone \udc00 surrogate\n", id="lone surrogate"),
    ],
)
def test_a_malformed_note_text_cannot_be_signed(log, text):
    with pytest.raises(InvalidCheckpoint):
        sign_note_text(text, log.origin, log.private_key)
