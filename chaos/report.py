"""docs/reliability.md's "Faults under load" section, written from a drill's figures.

Only that section is rewritten (from its heading to the next ``## `` heading or the end), so
other sections of the file stay as they are.
"""

from __future__ import annotations

import re
from pathlib import Path

HEADING = "## Faults under load"
BEGIN, END = "<!-- chaos figures: begin -->", "<!-- chaos figures: end -->"


def table(report: dict) -> str:
    lines = [
        "| drill | fault | recovered | time to recover (s) | acknowledged during it | lost |"
        " applied twice | replays accepted | projections ≠ rebuild | dead-lettered |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for fault in report["faults"]:
        differing = fault["bills_differing"] + fault["invoices_differing"]
        differing += fault["credit_differing"]
        recovered = "yes" if fault["recovered"] else "**no**"
        ttr = "—" if fault["time_to_recover_s"] is None else f"{fault['time_to_recover_s']:.1f}"
        lines.append(
            f"| {fault['drill']} | {fault['fault']} | {recovered} | {ttr} |"
            f" {fault['acknowledged_in_fault']} | {fault['lost']} | {fault['applied_twice']} |"
            f" {fault['replays_accepted']}/{fault['replays_sent']} | {differing} |"
            f" {sum(fault['dead_lettered'].values())} |"
        )
    verdict = "every fault passed" if report["passed"] else "**some faults failed**"
    lines.append("")
    lines.append(
        f"Run {report['when']} on {report['machine']['cpus']} cores, {report['duration_s']:.0f} s"
        f" in all: {verdict}. `{report['command']}`; the figures are in"
        " `bench/chaos-results.json`."
    )
    if report["drill_failures"]:
        lines.append("")
        lines.append("Drills that did not finish: " + "; ".join(
            failure.splitlines()[-1] for failure in report["drill_failures"]
        ))  # fmt: skip
    return "\n".join(lines)


def write_reliability(report: dict, path: Path) -> None:
    figures = f"{BEGIN}\n{table(report)}\n{END}"
    text = path.read_text() if path.exists() else "# Reliability\n"
    if BEGIN in text:
        text = re.sub(
            re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: figures, text, flags=re.S
        )
    elif HEADING in text:
        text = text.replace(HEADING, f"{HEADING}\n\n{figures}\n", 1)
    else:
        text = text.rstrip() + f"\n\n{HEADING}\n\n{figures}\n"
    path.write_text(text)
