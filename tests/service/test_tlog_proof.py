"""Receipts as c2sp.org/tlog-proof files, exported by the CLI and verified offline."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ledger.errors import InvalidReceipt
from ledger.tlog_proof import HEADER, proof_from_receipt, verify_proof
from ledger.vkeys import parse_vkey
from tests.support.ledger_factories import stream

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def receipt(rpc, operator):
    return rpc.ledger.append_one(operator.wire("proof.note", stream(), 0, {"n": 1}))


@pytest.fixture(scope="module")
def vkeys(rpc):
    info = rpc.ledger.public_info()
    return parse_vkey(info["ed25519_vkey"]), parse_vkey(info["vkey"])


def test_a_proof_file_is_header_extra_index_proof_lines_blank_line_and_the_checkpoint(receipt):
    text = proof_from_receipt(receipt)
    head, note = text.split("\n\n", 1)[0], text.split("\n\n", 1)[1]
    lines = head.split("\n")
    assert lines[0] == HEADER
    assert lines[1].startswith("extra ") and lines[2] == f"index {receipt['sequence']}"
    assert lines[3:] == receipt["inclusion_proof"]
    assert note == receipt["checkpoint"]


@pytest.mark.parametrize("pinned", [0, 1])
def test_a_proof_verifies_offline_with_either_ledger_key(receipt, vkeys, pinned):
    verified = verify_proof(proof_from_receipt(receipt), vkeys[pinned])
    assert verified.index == receipt["sequence"]
    assert verified.record == receipt["leaf"]


def flip_extra(text: str) -> str:
    lines = text.split("\n")
    entry = bytearray(base64.b64decode(lines[1][6:]))
    entry[10] ^= 1
    lines[1] = "extra " + base64.b64encode(bytes(entry)).decode()
    return "\n".join(lines)


TAMPERS = {
    "another index": lambda text: text.replace("\nindex ", "\nindex 1", 1),
    "an edited entry": flip_extra,
    "a proof line dropped": lambda text: "\n".join(
        line for n, line in enumerate(text.split("\n")) if n != 3
    ),
    "an edited checkpoint": lambda text: text.replace("\n\n", "\n\nX", 1),
    "another header": lambda text: text.replace("@v1", "@v2", 1),
    "no index line": lambda text: text.replace("\nindex ", "\nindexx ", 1),
}


@pytest.mark.parametrize("tamper", list(TAMPERS))
def test_a_tampered_proof_is_refused(receipt, vkeys, tamper):
    with pytest.raises(InvalidReceipt):
        verify_proof(TAMPERS[tamper](proof_from_receipt(receipt)), vkeys[0])


def test_a_verifier_that_holds_the_entry_checks_that_entry_not_the_extra_line(receipt, vkeys):
    text = proof_from_receipt(receipt)
    with pytest.raises(InvalidReceipt):
        verify_proof(text, vkeys[0], entry=b"another entry")


def test_the_cli_exports_a_proof_file_and_verifies_it(receipt, vkeys, ledger_config, tmp_path):
    config = tmp_path / "config.yml"
    config.write_text(yaml.safe_dump(ledger_config))
    out = tmp_path / "entry.tlog-proof"
    export = [sys.executable, "-m", "services.ledger", "export-proof", "--config", str(config)]
    export += ["--sequence", str(receipt["sequence"]), "--out", str(out)]
    assert subprocess.run(export, cwd=REPO, timeout=60).returncode == 0
    check = [sys.executable, "-m", "ledger", "verify-proof", str(out), "--vkey", vkeys[0].vkey()]
    result = subprocess.run(check, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "PROOF VERIFIED" in result.stdout, result.stdout
    out.write_text(flip_extra(out.read_text()))
    result = subprocess.run(check, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "PROOF REFUSED" in result.stdout
