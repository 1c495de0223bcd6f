"""Run the load suites against a throw-away stack and write the figures (``make load``).

    python loadtests/run.py                               # every suite, 4 users, 30 s each
    python loadtests/run.py --suites banks --users 2 --run-time 5s

1. starts the stack (its own database, vhost, Redis prefix, keys; ledger and business services
   as ``nameko run`` processes) — or uses a running one (``--amqp-uri``/``--database-url``);
2. per suite: builds its pre-signed workload (``workload.py``), then runs Locust headless for
   ``--run-time`` on loopback with the suite's shape, thresholds setting its exit code; the
   ``smes`` suite goes through the gateway's HTTP API (started only when it is selected);
3. measures the ``ledger.ping`` ceiling first, in the same run, and reports the signed
   bill-endorse path as a ratio of it; scrapes the services' Prometheus figures around each
   suite (the ledger's group commits: how many, their mean size and time);
4. checks the ledger verifies (``python -m ledger verify``), that every acknowledged command is
   in it, and that the bills projection stands at the ledger's version of every bill used;
5. writes ``summary.json``, Locust's CSV and HTML reports and the logs to ``--report-dir``
   (default ``var/loadtests/<time>/``; ``var/`` is not committed) and exits non-zero if any
   suite's gates or any check failed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from locust.util.timespan import parse_timespan  # noqa: E402

from examples.bank_client import BankApiError, BankClient, BankSigner  # noqa: E402
from loadtests import report, server, stack, workload  # noqa: E402

HERE = Path(__file__).resolve().parent
ENDORSE_BATCH = 50  # bills per bills.submit_batch in the endorse_batch suite
MAX_SIGNED_PHASE_S = 240  # pre-signed commands must reach the ledger within its 5-minute window


@dataclass(frozen=True)
class Suite:
    users_file: str
    user_class: str
    shape: str
    signed: bool  # its workload is pre-signed (bounded by the ledger's time window)
    http: bool = False  # its users speak HTTP to the gateway (``--host``), not AMQP


SUITES = {
    "ping": Suite("ping_users.py", "PingUser", "steady", False),
    "endorse": Suite("endorse_users.py", "EndorsingUser", "steady", True),
    "endorse_batch": Suite("endorse_batch_users.py", "BatchEndorsingUser", "steady", True),
    "banks": Suite("bank_users.py", "BankUser", "step", True),
    "batches": Suite("batch_users.py", "LedgerBatchUser", "steady", True),
    "batches1000": Suite("batch_users.py", "LedgerThousandBatchUser", "steady", True),
    "contention": Suite("contention_users.py", "ContendingUser", "steady", True),
    "smes": Suite("sme_users.py", "SmeUser", "steady", True, http=True),
}


def build_workload(
    name: str, builder: workload.Builder, users: int, seconds: float, database_url: str = ""
) -> dict:
    steps = max(40, int(seconds * 25))  # more than a closed-loop user gets through here
    if name == "endorse":
        return {"endorse": builder.endorse_lanes(users, steps)}
    if name == "endorse_batch":
        batches = max(20, int(seconds * 3))
        return {"endorse_batch": builder.endorse_batch_lanes(users, ENDORSE_BATCH, batches)}
    if name == "banks":
        return {"banks": builder.bank_lanes(users, max(20, int(seconds * 10)))}
    if name == "batches1000":  # enough for 12,000 entries/s shared by the users
        budget = {1000: max(4, math.ceil(12 * seconds / users))}
        return {"batches1000": builder.batch_lanes(users, budget=budget)}
    if name == "batches":
        return {"batches": builder.batch_lanes(users, scale=max(0.1, seconds / 30))}
    if name == "contention":
        rounds = min(100, max(10, int(seconds * 3)))
        return {"contention": builder.contention(max(2, users), rounds)}
    if name == "smes":  # under a third of an SME's requests are signed commands
        return {"smes": builder.sme_lanes(users, max(40, int(seconds * 20)), database_url)}
    return {}


def run_suite(name: str, arguments, target: stack.Stack, operator, out: Path) -> dict:
    suite, seconds = SUITES[name], parse_timespan(arguments.run_time)
    users = arguments.users if name != "contention" else max(2, arguments.users)
    if name == "ping":
        seconds = parse_timespan(arguments.ping_run_time or arguments.run_time)
    if suite.signed and seconds > MAX_SIGNED_PHASE_S:
        raise SystemExit(f"--run-time for {name} must be at most {MAX_SIGNED_PHASE_S} s")
    started = time.perf_counter()
    # a connection of its own, closed before the suite: idle, it would miss its heartbeats
    with BankClient(target.amqp_uri, timeout=120, name="load-runner") as client:
        builder = workload.Builder(client, operator)
        plan = build_workload(name, builder, users, seconds, target.database_url)
    workload_file = out / f"{name}-workload.json"
    passwords = workload.write(workload_file, plan)
    built = time.perf_counter() - started
    print(f"  {name}: workload built in {built:.1f} s; running {users} users for {seconds} s")
    shape = HERE / "shapes" / f"{arguments.shape or suite.shape}.py"
    command = [
        sys.executable, "-m", "locust",
        "-f", f"{HERE / suite.users_file},{shape}",
        "--headless", "--only-summary", "--loglevel", "WARNING",
        "-u", str(users), "-r", str(arguments.spawn_rate or users), "-t", f"{seconds}s",
        "--stop-timeout", "10",
        "--host",
        target.gateway_url if suite.http else workload.without_credentials(target.amqp_uri),
        "--csv", str(out / name), "--html", str(out / f"{name}.html"),
        "--workload", str(workload_file),
        "--acked-file", str(out / f"{name}-acked.txt"),
        "--outcome-file", str(out / f"{name}-outcome.json"),
        "--max-fail-ratio", str(arguments.max_fail_ratio),
        "--max-p95-ms", str(arguments.max_p95_ms),
        suite.user_class,
    ]  # fmt: skip
    env = {
        **os.environ,
        "PYTHONPATH": str(stack.REPO),
        workload.BROKER_URI: target.amqp_uri,
        workload.SECRETS: orjson.dumps(passwords).decode(),
    }
    before = server.scrape(target.metrics)
    with open(out / f"{name}-locust.log", "w") as log:
        output = {"stdout": log, "stderr": subprocess.STDOUT}
        result = subprocess.run(command, cwd=stack.REPO, env=env, timeout=seconds + 180, **output)
    ledger = server.ledger_figures(before, server.scrape(target.metrics))
    figures = report.operations(out / f"{name}_stats.csv")
    outcome = _read_json(out / f"{name}-outcome.json")
    total = figures.get("Aggregated", {})
    verdict = "passed" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
    print(f"  {name}: {total.get('requests', 0)} requests, {verdict}")
    return {
        "exit_code": result.returncode,
        "users": users,
        "run_time_s": seconds,
        "workload_build_s": round(built, 1),
        "shape": shape.stem,
        "operations": figures,
        "outcome": outcome,
        "bills": _bills_of(plan),
        "ledger": ledger,  # the services' own figures for the suite (an owned stack only)
    }


def _bills_of(plan: dict) -> list[str]:
    lanes = plan.get("endorse", []) + plan.get("banks", []) + plan.get("smes", [])
    numbers = [n for lane in lanes for n in lane["bills"]]
    numbers += [bill["package_no"] for bill in plan.get("contention", {}).get("bills", [])]
    return numbers


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def ratios(phases: dict) -> dict:
    """The signed endorse path against the ping ceiling measured in the same run."""
    ping = phases.get("ping", {}).get("operations", {}).get("ledger.ping")
    endorse = phases.get("endorse", {}).get("operations", {}).get("bills.submit[bill.endorse]")
    figures = {}
    if ping:
        figures["ping_ceiling"] = {k: ping[k] for k in ("ops_per_s", "p50_ms", "p95_ms", "p99_ms")}
    if ping and endorse:
        figures["endorse_path"] = {
            "ops_per_s": endorse["ops_per_s"],
            "p50_ms": endorse["p50_ms"],
            "throughput_vs_ping": round(endorse["ops_per_s"] / ping["ops_per_s"], 4),
            "p50_latency_vs_ping": round(endorse["p50_ms"] / max(ping["p50_ms"], 1), 1),
        }
    smes = phases.get("smes", {}).get("operations")
    if ping and smes:
        figures["sme_http"] = report.signed_http_vs_ping(smes, ping)
    batched = phases.get("endorse_batch", {}).get("operations")
    if ping and batched:
        per_s = report.commands_per_second(batched, "bills.submit_batch[")
        figures["endorse_batch_path"] = {
            "commands_per_s": per_s,
            "batch_size": ENDORSE_BATCH,
            "throughput_vs_ping": round(per_s / ping["ops_per_s"], 4),
        }
    thousands = phases.get("batches1000", {}).get("operations")
    if thousands:
        figures["ledger_batches_1000"] = {"entries_per_s": report.entries_per_second(thousands)}
    batches = phases.get("batches", {}).get("operations")
    if batches:
        figures["ledger_batches"] = {"entries_per_s": report.entries_per_second(batches)}
    return figures


def final_checks(target: stack.Stack, client: BankClient, phases: dict, out: Path) -> dict:
    vkey = client.call("ledger", "public_info")["vkey"]
    print("  verifying the ledger (python -m ledger verify) …")
    verified = report.verify_ledger(target.database_url, vkey, out / "ledger-verify.log")
    acked = set()
    for name in phases:
        path = out / f"{name}-acked.txt"
        if path.exists():
            acked.update(line for line in path.read_text().split() if line)
    missing = report.missing_acknowledged(target.database_url, acked) if acked else 0
    bills = [n for phase in phases.values() for n in phase["bills"]]
    stale = report.stale_projections(client, bills)
    crashed = [process.args[-1] for process in target.processes if process.poll() is not None]
    witnessed = witnessed_after_load(client, target.witness_policy)
    return {
        "services_crashed": crashed,
        "ledger_verified": verified["verified"],
        "ledger_verify_report": verified["report"],
        "acknowledged_commands": len(acked),
        "acknowledged_missing_from_ledger": missing,
        "bills_checked": len(bills),
        "bills_projection_behind_ledger": stale[:20],
        "witnessed": witnessed,
        "passed": verified["verified"]
        and missing == 0
        and not stale
        and not crashed
        and witnessed.get("passed", True),
    }


def witnessed_after_load(client: BankClient, policy_file: Path | None, seconds: float = 20):
    """The latest checkpoint after the load is witnessed by the policy's quorum (2 of the
    stack's 3 witness processes) within ``seconds``: the witnesses kept up, and every one of
    their cosignatures verifies (c2sp.org/tlog-witness, docs/decisions/0022)."""
    if policy_file is None:
        return {"checked": False}
    from ledger.errors import LedgerError
    from ledger.witness_policy import WitnessPolicy

    policy = WitnessPolicy.read(policy_file)
    latest = client.call("ledger", "get_checkpoint")["tree_size"]
    deadline = time.monotonic() + seconds
    witnessed = None
    while time.monotonic() < deadline:
        try:
            witnessed = client.call("ledger", "get_checkpoint", None, True)
        except BankApiError as refusal:
            if refusal.code != "CHECKPOINT_NOT_FOUND":
                raise
        if witnessed and witnessed["tree_size"] >= latest:
            break
        time.sleep(0.5)
    if witnessed is None:
        return {"checked": True, "passed": False, "latest_tree_size": latest}
    try:
        policy.verify(witnessed["note"])  # signed by the ledger, and the quorum cosigned
        problem = None
    except LedgerError as exc:
        problem = f"{exc.code}: {exc}"
    return {
        "checked": True,
        "latest_tree_size": latest,
        "witnessed_tree_size": witnessed["tree_size"],
        "cosigners": sorted(policy.cosigners_of(witnessed["note"])),
        "problem": problem,
        "passed": problem is None and witnessed["tree_size"] >= latest,
    }


def _terminated(signum, frame) -> None:
    raise SystemExit(f"terminated by signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suites", default=",".join(SUITES), help="comma-separated")
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--spawn-rate", type=float, default=None)
    parser.add_argument("--run-time", default="30s", help="per suite (signed suites ≤ 240 s)")
    parser.add_argument("--ping-run-time", default=None, help="default: --run-time")
    parser.add_argument("--shape", choices=["steady", "step", "spike"], default=None)
    parser.add_argument("--max-fail-ratio", type=float, default=0.01)
    parser.add_argument("--max-p95-ms", type=float, default=10_000)
    parser.add_argument("--report-dir", type=Path, default=None)
    parser.add_argument("--amqp-uri", help="use a running stack instead of starting one")
    parser.add_argument("--database-url", help="its ledger database (with --amqp-uri)")
    parser.add_argument("--gateway-url", default="", help="its gateway (with --amqp-uri)")
    parser.add_argument("--operator-key", type=Path, default=stack.REPO / "var/keys/operator.pem")
    arguments = parser.parse_args(argv)
    names = [name for name in arguments.suites.split(",") if name]
    unknown = set(names) - set(SUITES)
    if unknown:
        parser.error(f"unknown suites: {', '.join(sorted(unknown))}")
    names = ["ping", *(name for name in names if name != "ping")]  # the ceiling, always first
    if arguments.amqp_uri and any(SUITES[n].http for n in names) and not arguments.gateway_url:
        parser.error("an HTTP suite (smes) on a running stack needs --gateway-url")
    signal.signal(signal.SIGTERM, _terminated)  # a stopped run still removes its stack
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = arguments.report_dir or stack.REPO / "var" / "loadtests" / stamp
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"load run → {out}")
    if arguments.amqp_uri:
        target = stack.Stack(arguments.amqp_uri, arguments.database_url, arguments.operator_key)
        target.gateway_url = arguments.gateway_url
    else:
        print("  starting the stack (own database, vhost, Redis prefix, keys) …")
        target = stack.start(out, gateway=any(SUITES[name].http for name in names))
    try:
        operator = BankSigner.from_pem_file("operator", target.operator_key)
        phases = {}
        for name in names:
            phases[name] = run_suite(name, arguments, target, operator, out)
        with BankClient(target.amqp_uri, timeout=120, name="load-runner") as client:
            checks = final_checks(target, client, phases, out)
    finally:
        print("  stopping the stack …")
        stack.stop(target)
    summary = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python loadtests/run.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "settings": {k: str(v) for k, v in vars(arguments).items()},
        "phases": phases,
        "ratios": ratios(phases),
        "checks": checks,
        "seconds": round(time.perf_counter() - started, 1),
    }
    summary["passed"] = checks["passed"] and all(p["exit_code"] == 0 for p in phases.values())
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(report.table(phases))
    print(json.dumps({"ratios": summary["ratios"], "checks": checks}, indent=2))
    print(f"{'PASSED' if summary['passed'] else 'FAILED'} in {summary['seconds']:.0f} s; {out}")
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
