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
from replication_bench import synchronous_replication_cost  # noqa: E402
from report import write_performance_doc  # noqa: E402
from signatures_bench import batch_verification, sm2_batch_verification  # noqa: E402
from tiles_bench import tile_serving  # noqa: E402
from trust_bench import trust_costs  # noqa: E402

TARGETS = {
    "verify_batch_vs_python_ecdsa": 40.0,
    "verify_batch_vs_native_ceiling": 0.80,
    "sm2_verify_batch_vs_library_ceiling": 0.80,
    "sm2_verify_batch_vs_python_reference": 15.0,
    "inclusion_proof_ms_at_1m": 5.0,
    "append_entries_per_second_1000_batches": 5000.0,
    "health_ms_while_verifying": 50.0,
    "commit_ms_largest_vs_smallest_ledger": 1.5,
    "tiles_vs_static_file_serving": 0.5,
    "mirror_seconds_100k_entries": 60.0,
}


def main() -> int:
    if sys.argv[1:] == ["tiles"]:  # `python bench/run.py tiles`: this figure alone, merged in
        return tiles_only()
    started = time.perf_counter()
    print("Batch signature verification (fresh entries, best of interleaved rounds)")
    signatures = batch_verification()
    print("SM2 batch verification (gmalglib; fresh entries, best of interleaved rounds)")
    sm2_signatures = sm2_batch_verification()
    print("Merkle inclusion proofs at 1,000,000 leaves")
    merkle = inclusion_proof_timing(1_000_000)
    print("Ledger appends over RPC to durable commit (service replicas in their own processes)")
    import tempfile

    with tempfile.TemporaryDirectory() as workdir:
        appends = append_throughput(Path(workdir))
        print("One 1,000-entry group commit as the ledger grows (under the writer lock)")
        growth = commit_growth(Path(workdir))
        print("Tile serving against static files of the same bytes; a 100,000-entry mirror")
        tiles = tile_serving(Path(workdir))
        print("What a projection pays per entries_committed event to believe only the ledger")
        trust = trust_costs(Path(workdir))
    print("A group commit waiting for a synchronous replica, against the primary alone")
    replication = synchronous_replication_cost()
    results = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "command": "make bench",
        "batch_verification": signatures,
        "sm2_batch_verification": sm2_signatures,
        "merkle_inclusion": merkle,
        "ledger_appends": appends,
        "commit_growth": growth,
        "tile_serving": tiles,
        "synchronous_replication": replication,
        "projection_trust": trust,
        "targets": TARGETS,
    }
    checks = {
        "verify_batch_vs_python_ecdsa": signatures["ratio_vs_python_ecdsa"]
        >= TARGETS["verify_batch_vs_python_ecdsa"],
        "verify_batch_vs_native_ceiling": signatures["ratio_vs_native_ceiling"]
        >= TARGETS["verify_batch_vs_native_ceiling"],
        "sm2_verify_batch_vs_library_ceiling": sm2_signatures["ratio_vs_library_ceiling"]
        >= TARGETS["sm2_verify_batch_vs_library_ceiling"],
        "sm2_verify_batch_vs_python_reference": sm2_signatures["ratio_vs_python_reference"]
        >= TARGETS["sm2_verify_batch_vs_python_reference"],
        "inclusion_proof_ms_at_1m": merkle["proof_ms_max"] < TARGETS["inclusion_proof_ms_at_1m"],
        "append_entries_per_second_1000_batches": appends["plans"][-1]["entries_per_second"]
        >= TARGETS["append_entries_per_second_1000_batches"],
        "health_ms_while_verifying": (appends["responsiveness"]["max_ms_while_verifying"] or 0)
        < TARGETS["health_ms_while_verifying"],
        "commit_ms_largest_vs_smallest_ledger": growth["largest_vs_smallest"]
        <= TARGETS["commit_ms_largest_vs_smallest_ledger"],
        **tile_checks(tiles),
    }
    results["checks"] = checks
    results["seconds"] = time.perf_counter() - started
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    write_performance_doc(results, HERE.parent / "docs" / "performance.md")
    for name, passed in checks.items():
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
    print(f"wrote bench/results.json and docs/performance.md in {results['seconds']:.0f} s")
    return 0 if all(checks.values()) else 1


def tile_checks(tiles: dict) -> dict:
    return {
        "tiles_vs_static_file_serving": tiles["tiles_vs_static"]
        >= TARGETS["tiles_vs_static_file_serving"],
        "mirror_seconds_100k_entries": tiles["entries"] >= 100_000
        and tiles["mirror_seconds"] < TARGETS["mirror_seconds_100k_entries"],
    }


def tiles_only() -> int:
    import tempfile

    results = json.loads((HERE / "results.json").read_text())
    with tempfile.TemporaryDirectory() as workdir:
        results["tile_serving"] = tile_serving(Path(workdir))
    results["targets"] = TARGETS
    checks = tile_checks(results["tile_serving"])
    results["checks"] = {**results["checks"], **checks}
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    write_performance_doc(results, HERE.parent / "docs" / "performance.md")
    for name, passed in checks.items():
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
