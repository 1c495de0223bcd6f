"""The fault drills keep working: ``python -m chaos --smoke`` starts its own RabbitMQ node,
PostgreSQL and Redis on ports of its own, the platform as ``nameko run`` processes and a steady
signed load, kills the bills process with SIGKILL, then flushes Redis; after each, with the
load on, the platform must recover, lose no acknowledged command, apply none twice, refuse a
replayed nonce and keep every projection equal to a replay of the ledger.

The full drills are ``make chaos``; this keeps them from rotting in ``make test``. It needs
none of the machine's shared servers, and touches none of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_a_killed_service_and_a_flushed_redis_under_load_lose_nothing_and_apply_nothing_twice(
    tmp_path,
):
    figures = tmp_path / "chaos.json"
    command = [sys.executable, "-m", "chaos", "--smoke", "--out", str(figures)]
    command += ["--work", str(tmp_path / "work")]
    log = tmp_path / "chaos.log"
    with open(log, "w") as output:
        done = subprocess.run(
            command, cwd=REPO, stdout=output, stderr=subprocess.STDOUT, timeout=400
        )
    report = json.loads(figures.read_text())
    assert done.returncode == 0 and report["passed"], log.read_text()[-4000:]
    faults = {fault["fault"]: fault for fault in report["faults"]}
    assert set(faults) == {"kill-bills", "redis-flushall"}
    for fault in faults.values():
        assert fault["recovered"] and fault["time_to_recover_s"] <= fault["bound_s"]
        assert fault["acknowledged_in_fault"] > 0, "the load was on during the fault"
        assert (fault["lost"], fault["applied_twice"], fault["replays_accepted"]) == (0, 0, 0)
        assert fault["replays_sent"] > 0
        assert fault["bills_differing"] == fault["invoices_differing"] == 0
        assert fault["credit_differing"] == 0
    assert faults["kill-bills"]["restarts"] == {"bills": 1}
