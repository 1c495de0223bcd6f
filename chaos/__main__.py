"""``python -m chaos`` (``make chaos``): the fault drills, their figures in a JSON file.

    python -m chaos                         # every drill: single node, RabbitMQ cluster, failover
    python -m chaos --drills single --faults kill-bills,redis-flushall     # a few
    python -m chaos --smoke                 # what make test runs: one kill, one FLUSHALL

Exits 1 if any fault fails a check. Figures: ``--out`` (default bench/chaos-results.json),
and with ``--docs`` the table in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as host
import signal
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from chaos import faults
from chaos.drill import SINGLE_NODE_LANES, create_database, running_platform
from chaos.servers import Servers

REPO = Path(__file__).resolve().parent.parent
SMOKE_FAULTS = ("kill-bills", "redis-flushall")


def log(line: str) -> None:
    print(f"{datetime.now(UTC):%H:%M:%S} {line}", flush=True)


def single_node(selected: set[str] | None, work: Path, lanes=SINGLE_NODE_LANES) -> list[dict]:
    """One RabbitMQ node, one PostgreSQL, one Redis, each our own."""
    servers = Servers.create()
    try:
        log(f"servers in {servers.base}")
        servers.start_rabbit(1, background=True)
        primary = servers.start_postgres()
        servers.start_redis()
        database_url = create_database(primary.url)
        amqp_uri = servers.rabbit.uri()
        with running_platform(servers, work, amqp_uri, database_url, lanes, log) as drill:
            for fault in faults.SINGLE_NODE:
                if selected is None or fault.name in selected:
                    drill.run_fault(fault)
            return drill.results
    finally:
        closing = time.monotonic()
        servers.close()
        log(f"servers stopped in {time.monotonic() - closing:.1f} s")


def rabbit_cluster(selected: set[str] | None, work: Path) -> list[dict]:
    """Three RabbitMQ nodes in one cluster, every service queue a quorum queue, every client
    listing all three nodes; one PostgreSQL, one Redis."""
    servers = Servers.create()
    try:
        log(f"servers in {servers.base}")
        servers.start_rabbit(3, background=True)
        primary = servers.start_postgres()
        servers.start_redis()
        database_url = create_database(primary.url)
        amqp_uri = servers.rabbit.uri()
        lanes = {"bills": 1, "invoices": 1, "financing": 1, "gateway": 1}
        with running_platform(
            servers, work, amqp_uri, database_url, lanes, log, quorum_queues=True
        ) as drill:
            for fault in faults.CLUSTER:
                if selected is None or fault.name in selected:
                    drill.run_fault(fault)
            return drill.results
    finally:
        closing = time.monotonic()
        servers.close()
        log(f"servers stopped in {time.monotonic() - closing:.1f} s")


def postgres_failover(selected: set[str] | None, work: Path) -> list[dict]:
    """A PostgreSQL primary with a synchronous streaming replica (pg_basebackup); the services
    reach them by libpq's multi-host URL. One RabbitMQ node, one Redis."""
    servers = Servers.create()
    try:
        log(f"servers in {servers.base}")
        servers.start_rabbit(1, background=True)
        primary = servers.start_postgres()
        create_database(primary.url)
        servers.start_standby(primary, "standby")
        # a commit returns once the standby has flushed it (docs/decisions/0028)
        primary.require_synchronous("standby")
        servers.start_redis()
        database_url = servers.multi_host_url("billchain")
        lanes = {"bills": 1, "invoices": 1, "financing": 1, "gateway": 1}
        amqp_uri = servers.rabbit.uri()
        with running_platform(servers, work, amqp_uri, database_url, lanes, log) as drill:
            for fault in faults.FAILOVER:
                if selected is None or fault.name in selected:
                    drill.run_fault(fault)
            return drill.results
    finally:
        closing = time.monotonic()
        servers.close()
        log(f"servers stopped in {time.monotonic() - closing:.1f} s")


# a commit returns once the standby has flushed it to disk (docs/decisions/0028)
DRILLS = {"single": single_node, "cluster": rabbit_cluster, "failover": postgres_failover}


def _stop_on_sigterm(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")  # so every finally and atexit runs


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__)
    parser.add_argument("--drills", default=",".join(DRILLS))
    parser.add_argument("--faults", help="comma-separated fault names (default: all)")
    parser.add_argument("--smoke", action="store_true", help="one kill and one FLUSHALL")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "chaos-results.json")
    parser.add_argument("--work", type=Path, default=REPO / "var" / "chaos")
    parser.add_argument("--docs", action="store_true", help="write docs/reliability.md's table")
    arguments = parser.parse_args(argv)
    selected = set(arguments.faults.split(",")) if arguments.faults else None
    drills = arguments.drills.split(",")
    if arguments.smoke:
        selected, drills = set(SMOKE_FAULTS), ["single"]
    started = time.monotonic()
    results, failures = [], []
    for name in drills:
        work = arguments.work / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{name}"
        work.mkdir(parents=True, exist_ok=True)
        log(f"drill {name}: logs in {work}")
        try:
            for result in DRILLS[name](selected, work):
                results.append({"drill": name, **result})
        except Exception:  # the drill could not finish: say so, keep what it measured
            failures.append(f"{name}: {traceback.format_exc()}")
            log(f"drill {name} failed:\n{failures[-1]}")
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": host.python_version()},
        "command": "python -m chaos " + " ".join(argv if argv is not None else sys.argv[1:]),
        "duration_s": round(time.monotonic() - started, 1),
        "faults": results,
        "drill_failures": failures,
        "passed": bool(results) and not failures and all(r["passed"] for r in results),
    }
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    arguments.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    if arguments.docs:
        from chaos.report import write_reliability

        write_reliability(report, REPO / "docs" / "reliability.md")
    log(f"{'PASSED' if report['passed'] else 'FAILED'}: {len(results)} faults; {arguments.out}")
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
