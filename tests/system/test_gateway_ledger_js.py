"""The portal's crypto (services/gateway/static/js/ledger.js) in headless Chromium, checked
against the Python SDK (the `ledger` package) on vectors the SDK makes here: canonical bytes,
base64url and time spellings, leaf and root hashes, inclusion and consistency verdicts, P-256
r||s signatures both ways (the SDK's verified in the browser, the browser's verified by the
SDK's strict low-S check), receipts and checkpoint notes. Each verdict the browser gives is
compared with the SDK's on the same input, tampered inputs included.
"""

import copy
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from ledger import canonical
from ledger.checkpoints import Checkpoint, cosign, sign_checkpoint
from ledger.commands import SignedCommand, b64encode, format_time, sign_command
from ledger.errors import CanonicalEncodingError, InvalidCheckpoint, InvalidReceipt
from ledger.keys import generate_private_key, key_id, public_key_der
from ledger.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from ledger.notes import NoteKey, parse_note, verify_note
from ledger.receipts import leaf_bytes, leaf_record, make_receipt, verify_receipt
from ledger.signatures import CURVE_ORDER, HALF_ORDER, verify
from services.gateway.service import STATIC
from services.gateway.web import PORTAL_TYPES, SECURITY_HEADERS

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "billchain.test/ledger"
WITNESS = "witness.test/w1"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TREE = 13  # leaves: every shape of tree up to 13, odd right edges included

CANONICAL = [
    {"b": 1, "a": [True, None, "x"]},
    {"Z": 1, "_": 2, "a": 3, "": 4, " ~": [[], {}], "A": {"z": 0, "y": -1}},
    {"limits": [2**53 - 1, -(2**53 - 1), 0, -1, 100000000000]},
    '票据 “背书” \\ / " \n\t\r\b\f \x00 \x1f \x7f \u2028 \u2029 é 😀 \U0010ffff',
    [True, False, None, "", [], {}],
    {"a": {"b": {"c": {"d": [1, [2, [3, {"e": "f"}]]]}}}},
]
REFUSED = [1.5, 2**53, -(2**53), {"amount_fen": 0.1}, [1e300]]
ENVELOPE = {
    "type": "bill.endorse",
    "stream": "bill:100000000000000000000000000001",
    "expected_version": 3,
    "signer": "ent-0001",
}
# signed in the browser: with 24, WebCrypto's s is above n/2 at least once but for 2**-24
BODIES = [{"amount_fen": 100 * i, "memo": f"第 {i} 张 ✓"} for i in range(24)]


def hexes(items):
    return [item.hex() for item in items]


def flipped(data: bytes) -> bytes:
    return bytes([data[0] ^ 1]) + data[1:]


def high(signature: bytes) -> bytes:
    """The same signature with s replaced by n - s: valid to OpenSSL, refused by the ledger."""
    s = int.from_bytes(signature[32:], "big")
    return signature[:32] + (CURVE_ORDER - s).to_bytes(32, "big")


def encodings():
    blobs = [b"", b"\x00", b"\xff\xfe", b"\xfb\xff\xbf", bytes(range(40))]
    times = [0, 1, 999, 1_767_225_600_123, 253_402_300_799_999]  # ms since the epoch
    return {
        "canonical": CANONICAL,
        "refused": REFUSED,
        "base64url": hexes(blobs),
        "times": times,
    }, {
        "canonical": [canonical.encode(value).hex() for value in CANONICAL],
        "base64url": [b64encode(blob) for blob in blobs],
        "times": [format_time(EPOCH + timedelta(milliseconds=ms)) for ms in times],
    }


def merkle():
    leaves = [f"entry {i} · 条目".encode() * (i + 1) for i in range(TREE)]
    hashes = [leaf_hash(leaf) for leaf in leaves]
    roots = [root_hash(hashes[:size]) for size in range(TREE + 1)]
    inclusion = []
    for size in range(1, TREE + 1):
        for index in range(size):
            proof = inclusion_proof(hashes[:size], index)
            case = (hashes[index], index, size, proof, roots[size])
            inclusion += [case, (hashes[index], (index + 1) % size, size, proof, roots[size])]
            if proof:
                inclusion.append(
                    (hashes[index], index, size, [flipped(proof[0]), *proof[1:]], roots[size])
                )
    consistency = [(3, 2, [], roots[3], roots[2])]  # an old tree larger than the new one
    for new in range(TREE + 1):
        for old in range(new + 1):
            proof = consistency_proof(hashes[:new], old)
            consistency += [
                (old, new, proof, roots[old], roots[new]),
                (old, new, proof, roots[new], roots[old]),
            ]
            if proof:
                consistency.append(
                    (old, new, [*proof[:-1], flipped(proof[-1])], roots[old], roots[new])
                )
    return {
        "leaves": hexes(leaves),
        "roots": [hexes(hashes[:size]) for size in range(TREE + 1)],
        "inclusion": [
            {
                "leaf": leaf.hex(),
                "index": index,
                "size": size,
                "proof": hexes(proof),
                "root": root.hex(),
            }
            for leaf, index, size, proof, root in inclusion
        ],
        "consistency": [
            {
                "old_size": old,
                "new_size": new,
                "proof": hexes(proof),
                "old_root": a.hex(),
                "new_root": b.hex(),
            }
            for old, new, proof, a, b in consistency
        ],
    }, {
        "leaf_hashes": hexes(hashes),
        "roots": hexes(roots),
        "inclusion": [verify_inclusion(*case) for case in inclusion],
        "consistency": [verify_consistency(*case) for case in consistency],
    }


def signed_by_python():
    key, stranger = generate_private_key(), generate_private_key()
    spki = public_key_der(key)
    commands = [
        sign_command(
            key, **ENVELOPE, body={"amount_fen": i, "memo": f"第 {i} 张"}, created_at=EPOCH
        )
        for i in range(4)
    ]
    cases = []
    for command in commands:
        sig = command.signature
        cases += [
            (spki, command.message, sig),
            (spki, command.message + b" ", sig),
            (public_key_der(stranger), command.message, sig),
            (spki, command.message, high(sig)),
            (spki, command.message, sig[:32] + bytes(32)),
            (spki, command.message, CURVE_ORDER.to_bytes(32, "big") + sig[32:]),
            (spki, command.message, sig[:63]),
            (spki, command.message, sig + b"\x00"),
            (spki, command.message, sig[32:] + sig[:32]),
        ]
    # lowS of a low-S signature is itself; of its high-S twin, the low-S one again
    high_s = [c.signature for c in commands] + [high(c.signature) for c in commands]
    return {
        "envelopes": [command.envelope for command in commands],
        "signatures": [
            {"spki": k.hex(), "message": m.hex(), "signature": s.hex()} for k, m, s in cases
        ],
        "high_s": hexes(high_s),
    }, {
        "entry_ids": [command.entry_id for command in commands],
        "signatures": [verify(*case) for case in cases],
        "low_s": [c.signature.hex() for c in commands] * 2,
    }


def receipts():
    ledger_key, party_key = generate_private_key(), generate_private_key()
    records = [
        leaf_record(
            sign_command(party_key, **ENVELOPE, body={"n": n}, created_at=EPOCH),
            min(n, 4),  # the last leaf claims the sequence of the one before: a faulty ledger's
            format_time(EPOCH + timedelta(seconds=n)),
        )
        for n in range(6)
    ]
    hashes = [leaf_hash(leaf_bytes(record)) for record in records]
    note = sign_checkpoint(Checkpoint(ORIGIN, len(records), root_hash(hashes)), ledger_key)
    elsewhere = sign_checkpoint(Checkpoint(ORIGIN, len(records), hashes[0]), ledger_key)
    receipts = [make_receipt(r, inclusion_proof(hashes, n), note) for n, r in enumerate(records)]
    receipts[5]["sequence"] = 5  # where its proof places it
    tampered = []
    for receipt, change in zip(receipts, TAMPERINGS, strict=False):
        tampered.append(copy.deepcopy(receipt))
        change(tampered[-1], elsewhere)
    cases = receipts + tampered
    log = NoteKey.of(ORIGIN, ledger_key)
    return {"receipts": cases}, {"receipts": [receipt_holds(receipt, log) for receipt in cases]}


def _set(path, value):
    def change(receipt, _):
        *parents, last = path
        node = receipt
        for name in parents:
            node = node[name]
        node[last] = value

    return change


TAMPERINGS = [
    _set(["entry_id"], "0" * 64),
    _set(["sequence"], 4),
    _set(["leaf", "envelope", "body", "n"], 99),
    _set(["leaf", "ledger_time"], "2000-01-01T00:00:00.000000Z"),
    lambda receipt, elsewhere: receipt.update(checkpoint=elsewhere),  # validly signed, other root
]


def receipt_holds(receipt, log_key) -> bool:
    try:
        verify_receipt(receipt, log_key)
    except InvalidReceipt:
        return False
    return True


def notes():
    ledger_key = generate_private_key()
    witness_key = generate_private_key()
    while "+" not in NoteKey.of(WITNESS, witness_key).vkey().split("+", 2)[2]:
        witness_key = generate_private_key()  # key data holding "+" must still parse
    log, witness = NoteKey.of(ORIGIN, ledger_key), NoteKey.of(WITNESS, witness_key)
    note = cosign(
        sign_checkpoint(Checkpoint(ORIGIN, 7, bytes(32)), ledger_key), WITNESS, witness_key
    )
    lines = note.split("\n")
    lines[1] = "8"
    cases = [
        (note, [log, witness]),
        (note, [log]),
        ("\n".join(lines), [log, witness]),
        *((short, [log]) for short in unusual_der_signatures(ledger_key)),
    ]
    return {"notes": [{"note": n, "vkeys": [key.vkey() for key in keys]} for n, keys in cases]}, {
        "notes": [note_verdicts(n, keys) for n, keys in cases]
    }


def unusual_der_signatures(ledger_key) -> list[str]:
    """Notes whose DER signature has an r or s shorter than 32 bytes (below 2**247: from 2**247
    a leading zero byte makes it 32 again) or an r of 33 bytes (a leading zero before a high
    bit): the shapes a DER to r||s conversion gets wrong."""
    wanted = {"short r": None, "short s": None, "long r": None}
    for size in range(1, 50_000):  # each shape comes about once in 512 signatures
        note = sign_checkpoint(Checkpoint(ORIGIN, size, bytes(32)), ledger_key)
        r, s = decode_dss_signature(parse_note(note).signatures[0].signature)
        for shape, holds in (
            ("short r", r < 2**247),
            ("short s", s < 2**247),
            ("long r", r >= 2**255),
        ):
            if holds and wanted[shape] is None:
                wanted[shape] = note
        if None not in wanted.values():
            break
    assert None not in wanted.values(), wanted
    return list(wanted.values())


def note_verdicts(note: str, keys: list[NoteKey]) -> list[dict]:
    parsed = parse_note(note)
    verdicts = []
    for line in parsed.signatures:
        key = next((k for k in keys if (k.name, k.key_id) == (line.name, line.key_id)), None)
        verdicts.append(
            {
                "name": line.name,
                "keyId": f"{line.key_id:08x}",
                "ledger": line.name == keys[0].name,
                "verdict": None if key is None else note_holds(parsed, key),
            }
        )
    return verdicts


def note_holds(parsed, key: NoteKey) -> bool:
    try:
        verify_note(parsed, [key])
    except InvalidCheckpoint:
        return False
    return True


# -- in the browser --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def checked():
    """(what the SDK says, what ledger.js computed) for every vector, from one browser run."""
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium", pytrace=False)
    vectors, expected = {"envelope": ENVELOPE, "to_sign": BODIES}, {}
    for make in (encodings, merkle, signed_by_python, receipts, notes):
        given, says = make()
        vectors |= given
        expected |= says
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.gateway_browser_ledger"],
        cwd=ROOT,
        input=json.dumps(
            {
                "static": str(STATIC),
                "types": PORTAL_TYPES,
                "headers": SECURITY_HEADERS,
                "vectors": vectors,
            }
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return expected, json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("part", ["canonical", "base64url", "times"])
def test_ledger_js_writes_the_same_bytes_as_the_python_sdk(checked, part):
    expected, computed = checked
    assert computed[part] == expected[part]


def test_ledger_js_refuses_to_encode_what_the_python_sdk_refuses(checked):
    for value in REFUSED:
        with pytest.raises(CanonicalEncodingError):
            canonical.encode(value)
    assert checked[1]["refused"] == [True] * len(REFUSED)


@pytest.mark.parametrize("part", ["leaf_hashes", "roots", "entry_ids", "low_s"])
def test_ledger_js_hashes_and_normalises_as_the_python_sdk(checked, part):
    expected, computed = checked
    assert computed[part] == expected[part]


@pytest.mark.parametrize("part", ["inclusion", "consistency", "signatures", "receipts"])
def test_ledger_js_gives_the_python_sdks_verdict_on_genuine_and_tampered_inputs(checked, part):
    expected, computed = checked
    assert set(expected[part]) == {True, False}, "the vectors hold both verdicts"
    assert computed[part] == expected[part]


def test_ledger_js_checks_each_signature_line_of_a_note_as_the_python_sdk(checked):
    expected, computed = checked
    verdicts = [line["verdict"] for note in expected["notes"] for line in note]
    assert {True, False, None} <= set(verdicts), "verified, failing and unchecked lines"
    assert computed["notes"] == expected["notes"]


def test_commands_signed_in_the_browser_verify_in_the_python_sdk(checked):
    signed = checked[1]["signed"]
    spki = bytes.fromhex(signed["spki"])
    assert signed["key_id"] == key_id(spki)
    for wire, body in zip(signed["commands"], BODIES, strict=True):
        command = SignedCommand.from_wire(wire)  # the envelope's every field in its one form
        assert command.body == body and command.key_id == key_id(spki)
        # strict: 64 bytes and low S, which WebCrypto alone gives only half the time
        assert verify(spki, command.message, command.signature), wire
        assert int.from_bytes(command.signature[32:], "big") <= HALF_ORDER
