import subprocess
import sys
from pathlib import Path

import ledger

REPO = Path(__file__).resolve().parents[2]


def test_the_documented_sdk_walkthrough_runs_and_verifies_its_receipt():
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / "sdk_walkthrough.py")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert "receipt verified: entry" in result.stdout


def test_the_sdk_exports_the_names_outside_scripts_rely_on():
    for name in (
        "verify",
        "verify_batch",
        "leaf_hash",
        "root_hash",
        "inclusion_proof",
        "consistency_proof",
        "verify_inclusion",
        "verify_consistency",
    ):
        assert callable(getattr(ledger, name)), name
        assert name in ledger.__all__
