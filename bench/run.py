"""``make bench``: measure the hot paths, write bench/results.json and docs/performance.md.

Figures are compared as ratios measured in the same run: the machines are noisy.
"""

from __future__ import annotations

import eventlet

eventlet.monkey_patch()  # the ledger benchmark talks to the service through nameko's proxy

import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from commit_bench import commit_growth  # noqa: E402
from ledger_bench import append_throughput  # noqa: E402
from merkle_bench import inclusion_proof_timing  # noqa: E402
from report import write_performance_doc  # noqa: E402
from signatures_bench import batch_verification  # noqa: E402
from trust_bench import trust_costs  # noqa: E402

TARGETS = {
    "verify_batch_vs_python_ecdsa": 40.0,
    "verify_batch_vs_native_ceiling": 0.80,
    "inclusion_proof_ms_at_1m": 5.0,
    "append_entries_per_second_1000_batches": 5000.0,
    "health_ms_while_verifying": 50.0,
    "commit_ms_largest_vs_smallest_ledger": 1.5,
}


def main() -> int:
    started = time.perf_counter()
    print("Batch signature verification (fresh entries, best of interleaved rounds)")
    signatures = batch_verification()
    print("Merkle inclusion proofs at 1,000,000 leaves")
    merkle = inclusion_proof_timing(1_000_000)
    print("Ledger appends over RPC to durable commit (service replicas in their own processes)")
    import tempfile

    with tempfile.TemporaryDirectory() as workdir:
        appends = append_throughput(Path(workdir))
        print("One 1,000-entry group commit as the ledger grows (under the writer lock)")
        growth = commit_growth(Path(workdir))
        print("What a projection pays per entries_committed event to believe only the ledger")
        trust = trust_costs(Path(workdir))
    results = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "command": "make bench",
        "batch_verification": signatures,
        "merkle_inclusion": merkle,
        "ledger_appends": appends,
        "commit_growth": growth,
        "projection_trust": trust,
        "targets": TARGETS,
    }
    checks = {
        "verify_batch_vs_python_ecdsa": signatures["ratio_vs_python_ecdsa"]
        >= TARGETS["verify_batch_vs_python_ecdsa"],
        "verify_batch_vs_native_ceiling": signatures["ratio_vs_native_ceiling"]
        >= TARGETS["verify_batch_vs_native_ceiling"],
        "inclusion_proof_ms_at_1m": merkle["proof_ms_max"] < TARGETS["inclusion_proof_ms_at_1m"],
        "append_entries_per_second_1000_batches": appends["plans"][-1]["entries_per_second"]
        >= TARGETS["append_entries_per_second_1000_batches"],
        "health_ms_while_verifying": (appends["responsiveness"]["max_ms_while_verifying"] or 0)
        < TARGETS["health_ms_while_verifying"],
        "commit_ms_largest_vs_smallest_ledger": growth["largest_vs_smallest"]
        <= TARGETS["commit_ms_largest_vs_smallest_ledger"],
    }
    results["checks"] = checks
    results["seconds"] = time.perf_counter() - started
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    write_performance_doc(results, HERE.parent / "docs" / "performance.md")
    for name, passed in checks.items():
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
    print(f"wrote bench/results.json and docs/performance.md in {results['seconds']:.0f} s")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
