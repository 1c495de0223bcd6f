"""After `make load`: keep the newest run's figures in bench/load-summary.json and re-render
docs/performance.md (the full reports stay under var/loadtests/, which is not committed)."""

from __future__ import annotations

import json
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
        name: {"operations": phase.get("operations", {}), "exit_code": phase.get("exit_code")}
        for name, phase in summary["phases"].items()
    }
    (ROOT / "bench" / "load-summary.json").write_text(json.dumps(slim, indent=1) + "\n")
    results = ROOT / "bench" / "results.json"
    if results.exists():
        write_performance_doc(json.loads(results.read_text()), ROOT / "docs" / "performance.md")
    print(f"kept {runs[-1].parent.name} in bench/load-summary.json")


if __name__ == "__main__":
    main()
