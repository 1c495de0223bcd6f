"""The load suites keep working: a few seconds of the AMQP bank suite, the batched endorse
suite and the SMEs through the gateway's HTTP API (after the ping ceiling), through the real
runner, on a stack of its own, must pass their gates and the ledger checks.

The full runs are ``make load`` (``python loadtests/run.py``); this is what keeps them from
rotting in ``make test``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_short_bank_and_sme_load_run_passes_its_gates_and_leaves_a_verified_ledger(
    services, tmp_path
):
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
        "--suites=banks,smes,endorse_batch",
        "--users=2",
        "--run-time=5s",
        "--ping-run-time=3s",
        f"--report-dir={reports}",
    ]
    log = tmp_path / "run.log"
    with log.open("w") as output:
        runner = subprocess.Popen(command, cwd=REPO, env=env, stdout=output, stderr=output)
        try:
            returncode = runner.wait(timeout=200)
        except subprocess.TimeoutExpired:
            runner.terminate()  # the runner removes its stack on SIGTERM
            runner.wait(timeout=60)
            raise
    assert returncode == 0, log.read_text()[-5000:]

    summary = json.loads((reports / "summary.json").read_text())
    assert summary["passed"]
    witnessed = summary["checks"]["witnessed"]  # 2 of the stack's 3 witness processes
    assert witnessed["witnessed_tree_size"] == witnessed["latest_tree_size"]
    assert len(witnessed["cosigners"]) >= 2
    phases = summary["phases"]
    assert phases["ping"]["operations"]["ledger.ping"]["requests"] > 0
    signed_calls = [
        ("banks", "bills.submit["),
        ("smes", "POST /api/v1/commands["),
        ("endorse_batch", "bills.submit_batch["),
    ]
    for suite, signed in signed_calls:
        assert phases[suite]["exit_code"] == 0
        assert phases[suite]["operations"]["Aggregated"]["requests"] > 0
        assert phases[suite]["operations"]["Aggregated"]["failures"] == 0
        assert any(name.startswith(signed) for name in phases[suite]["operations"])
    assert summary["ratios"]["sme_http"]["signed_ops_per_s"] > 0
    assert summary["ratios"]["endorse_batch_path"]["commands_per_s"] > 0
    assert summary["checks"]["ledger_verified"]
    assert summary["checks"]["acknowledged_commands"] > 0
    assert summary["checks"]["acknowledged_missing_from_ledger"] == 0
    for suite in ("banks", "smes", "endorse_batch"):
        assert (reports / f"{suite}.html").exists() and (reports / f"{suite}_stats.csv").exists()
    assert files_showing_a_password(reports, services) == []


def files_showing_a_password(reports: Path, services) -> list[str]:
    """Reports and logs are kept and shared: no broker credentials, no portal password."""
    from urllib.parse import urlsplit

    broker = urlsplit(services.amqp_base)
    needles = {f"{broker.username}:{broker.password}@"}
    for workload in reports.glob("*-workload.json"):
        text = workload.read_text()
        assert '"password"' not in text, f"{workload.name} holds portal passwords"
    found = []
    for path in sorted(p for p in reports.rglob("*") if p.is_file()):
        text = path.read_text(errors="replace")
        found += [f"{path.name}: {needle}" for needle in needles if needle in text]
    return found
