"""The load suites keep working: a few seconds of the AMQP bank suite (after the ping ceiling)
through the real runner, on a stack of its own, must pass its gates and its ledger checks.

The full runs are ``make load`` (``python loadtests/run.py``); this is what keeps them from
rotting in ``make test``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_a_short_bank_load_run_passes_its_gates_and_leaves_a_verified_ledger(services, tmp_path):
    reports = tmp_path / "load"
    env = {
        **os.environ,
        "LOAD_POSTGRES_URL": services.postgres_admin_url.rsplit("/", 1)[0],
        "LOAD_AMQP_BASE": services.amqp_base,
        "LOAD_RABBIT_API": services.rabbit_api,
        "LOAD_REDIS_URL": services.redis_url,
    }
    command = [
        sys.executable,
        str(REPO / "loadtests" / "run.py"),
        "--suites=banks",
        "--users=2",
        "--run-time=5s",
        "--ping-run-time=3s",
        f"--report-dir={reports}",
    ]
    log = tmp_path / "run.log"
    with log.open("w") as output:
        runner = subprocess.Popen(command, cwd=REPO, env=env, stdout=output, stderr=output)
        try:
            returncode = runner.wait(timeout=150)
        except subprocess.TimeoutExpired:
            runner.terminate()  # the runner removes its stack on SIGTERM
            runner.wait(timeout=60)
            raise
    assert returncode == 0, log.read_text()[-5000:]

    summary = json.loads((reports / "summary.json").read_text())
    assert summary["passed"]
    ping, banks = summary["phases"]["ping"], summary["phases"]["banks"]
    assert ping["operations"]["ledger.ping"]["requests"] > 0
    assert banks["operations"]["Aggregated"]["requests"] > 0
    assert banks["operations"]["Aggregated"]["failures"] == 0
    assert any(name.startswith("bills.submit[") for name in banks["operations"])
    assert summary["checks"]["ledger_verified"]
    assert summary["checks"]["acknowledged_commands"] > 0
    assert summary["checks"]["acknowledged_missing_from_ledger"] == 0
    assert (reports / "banks.html").exists() and (reports / "banks_stats.csv").exists()
