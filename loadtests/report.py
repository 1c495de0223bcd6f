"""Figures from Locust's CSV files, and the checks a run ends with: the ledger verifies, and no
operation the platform acknowledged is missing from it or from the bills projection."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from loadtests.stack import REPO


def operations(stats_csv: Path) -> dict[str, dict]:
    """Per request name: count, failures, ops/s, mean and percentile latencies (ms)."""
    figures = {}
    with stats_csv.open() as handle:
        for row in csv.DictReader(handle):
            figures[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "ops_per_s": round(float(row["Requests/s"]), 2),
                "mean_ms": round(float(row["Average Response Time"]), 2),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "p99_ms": _number(row["99%"]),
                "max_ms": round(float(row["Max Response Time"]), 2),
            }
    return figures


def _number(text: str) -> float | None:
    return None if text in ("", "N/A") else float(text)


def entries_per_second(figures: dict[str, dict]) -> float:
    """Ledger entries appended per second by the batch suite (requests × batch size)."""
    total = 0.0
    for name, row in figures.items():
        if name.startswith("ledger.append[") and name.endswith("]"):
            total += row["ops_per_s"] * int(name[len("ledger.append[") : -1])
    return round(total, 1)


def signed_http_vs_ping(smes: dict[str, dict], ping: dict) -> dict:
    """The SMEs' signed commands through the gateway (``POST /api/v1/commands[...]``, endorse
    and sign together) against the ``ledger.ping`` ceiling of the same run."""
    signed = {n: row for n, row in smes.items() if n.startswith("POST /api/v1/commands[")}
    per_second = round(sum(row["ops_per_s"] for row in signed.values()), 2)
    endorse = signed.get("POST /api/v1/commands[bill.endorse]", {})
    figures = {
        "signed_ops_per_s": per_second,
        "signed_throughput_vs_ping": round(per_second / ping["ops_per_s"], 4),
        "requests_per_s": smes.get("Aggregated", {}).get("ops_per_s"),
    }
    if endorse.get("p50_ms") is not None:
        figures["endorse_p50_ms"] = endorse["p50_ms"]
        figures["endorse_p50_latency_vs_ping"] = round(
            endorse["p50_ms"] / max(ping["p50_ms"], 1), 1
        )
    return figures


def commands_per_second(figures: dict[str, dict], prefix: str) -> float:
    """Commands per second of batched calls named ``<prefix><type> x<size>]``."""
    total = 0.0
    for name, row in figures.items():
        if name.startswith(prefix) and name.endswith("]") and " x" in name:
            total += row["ops_per_s"] * int(name[name.rindex(" x") + 2 : -1])
    return round(total, 1)


def verify_ledger(database_url: str, vkey: str, log: Path) -> dict:
    """``python -m ledger verify``: every hash, signature, block and checkpoint."""
    command = [sys.executable, "-m", "ledger", "verify", "--database-url", database_url]
    result = subprocess.run(
        [*command, "--vkey", vkey], cwd=REPO, capture_output=True, text=True, timeout=1800
    )
    log.write_text(result.stdout + result.stderr)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    return {"verified": result.returncode == 0, "report": lines[:3]}


def missing_acknowledged(database_url: str, entry_ids: set[str]) -> int:
    """How many acknowledged entry ids the ledger does not hold."""
    from sqlalchemy import bindparam, create_engine, text

    query = text("SELECT entry_id FROM ledger.entries WHERE entry_id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    engine = create_engine(database_url)
    found: set[str] = set()
    ordered = sorted(entry_ids)
    with engine.connect() as connection:
        for start in range(0, len(ordered), 5000):
            chunk = ordered[start : start + 5000]
            found.update(connection.execute(query, {"ids": chunk}).scalars())
    engine.dispose()
    return len(entry_ids - found)


def stale_projections(client, package_nos: list[str]) -> list[str]:
    """Bills whose projection does not stand at the ledger's version of their stream."""
    stale = []
    for number in package_nos:
        projected = client.call("bills", "get_bill", number)["version"]
        if projected != client.call("ledger", "stream_version", f"bill:{number}"):
            stale.append(number)
    return stale


def table(phases: dict[str, dict]) -> str:
    lines = [f"{'operation':<48} {'ops/s':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'fail':>5}"]
    for phase, figures in phases.items():
        for name, row in figures.get("operations", {}).items():
            if name == "Aggregated":
                continue
            lines.append(
                f"{phase + ': ' + name:<48} {row['ops_per_s']:>8.1f} {_ms(row['p50_ms'])} "
                f"{_ms(row['p95_ms'])} {_ms(row['p99_ms'])} {row['failures']:>5}"
            )
    return "\n".join(lines)


def _ms(value) -> str:
    return f"{value:>7.0f}" if value is not None else f"{'-':>7}"
