"""After `make load`: keep the newest run's figures in bench/load-summary.json, add a line to
bench/load-history.json, and re-render docs/performance.md (the full reports stay under
var/loadtests/, which is not committed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from report import write_performance_doc  # noqa: E402

KEPT = ("measured_at", "command", "machine", "settings", "ratios", "checks", "seconds", "passed")


def main() -> None:
    runs = sorted((ROOT / "var" / "loadtests").glob("*/summary.json"))
    if not runs:
        sys.exit("no load run found under var/loadtests/")
    summary = json.loads(runs[-1].read_text())
    slim = {key: summary[key] for key in KEPT}
    slim["phases"] = {
        name: {
            "operations": phase.get("operations", {}),
            "exit_code": phase.get("exit_code"),
            "ledger": phase.get("ledger", {}),
        }
        for name, phase in summary["phases"].items()
    }
    (ROOT / "bench" / "load-summary.json").write_text(json.dumps(slim, indent=1) + "\n")
    remember(summary)
    results = ROOT / "bench" / "results.json"
    if results.exists():
        write_performance_doc(json.loads(results.read_text()), ROOT / "docs" / "performance.md")
    print(f"kept {runs[-1].parent.name} in bench/load-summary.json")


def remember(summary: dict) -> None:
    """One line per run: machines differ from run to run, so the history shows the spread."""
    path = ROOT / "bench" / "load-history.json"
    history = json.loads(path.read_text()) if path.exists() else []
    if any(run["measured_at"] == summary["measured_at"] for run in history):
        return
    ratios = summary["ratios"]
    history.append(
        {
            "measured_at": summary["measured_at"],
            "code": _commit(),
            "ping_per_s": ratios.get("ping_ceiling", {}).get("ops_per_s"),
            "endorse_batch_vs_ping": ratios.get("endorse_batch_path", {}).get("throughput_vs_ping"),
            "batches_1000_entries_per_s": ratios.get("ledger_batches_1000", {}).get(
                "entries_per_s"
            ),
            "batches_mixed_entries_per_s": ratios.get("ledger_batches", {}).get("entries_per_s"),
            "passed": summary["passed"],
            **({} if summary["passed"] else {"note": _failed_checks(summary)}),
        }
    )
    path.write_text(json.dumps(history, indent=1) + "\n")


def _failed_checks(summary: dict) -> str:
    checks = summary["checks"]
    failed = [name for name, phase in summary["phases"].items() if phase["exit_code"]]
    said = [f"suites {', '.join(failed)} failed their gates"] if failed else []
    if not checks["ledger_verified"]:
        problems = [line.strip().removeprefix("- ") for line in checks["ledger_verify_report"][1:]]
        said.append("ledger audit: " + "; ".join(problems))
    if checks["acknowledged_missing_from_ledger"]:
        said.append(f"{checks['acknowledged_missing_from_ledger']} acknowledged commands missing")
    if checks["bills_projection_behind_ledger"] or checks["services_crashed"]:
        said.append("bills projection behind the ledger, or a service crashed")
    return "; ".join(said) or "failed"


def _commit() -> str:
    """The code measured: the commit checked out, marked when the work tree differs."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "ledger", "services"], cwd=ROOT)
    return f"{head}+changes" if dirty.returncode else head


if __name__ == "__main__":
    main()
