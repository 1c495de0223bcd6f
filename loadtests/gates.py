"""Pass/fail gates that set Locust's exit code, and the options every suite shares.

Imported by every users module (through ``amqp_user``), so each suite gets:

- ``--max-fail-ratio`` (default 0.01) and ``--max-p95-ms`` (default 10000) checked when Locust
  quits, plus any problem a suite reported with ``fail(...)`` (e.g. a double spend): the exit
  code is 1 if any gate failed, 0 otherwise — a few failures under the ratio do not fail a run;
- ``--workload FILE``: the pre-signed workload the runner built (``workload.py``);
- ``--acked-file FILE``: where the entry ids of acknowledged commands are written at the end,
  so the runner can prove none is missing from the ledger;
- ``--outcome-file FILE``: where a suite writes its own verdicts (contention);
- ``--rpc-timeout`` seconds.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from locust import events

log = logging.getLogger("loadtests")
ACKED: list[str] = []  # entry ids of commands the platform acknowledged with a receipt
PROBLEMS: list[str] = []  # verdicts of suite-specific checks; any makes the run fail


def fail(problem: str) -> None:
    log.error("GATE: %s", problem)
    PROBLEMS.append(problem)


@events.init_command_line_parser.add_listener
def add_options(parser) -> None:
    group = parser.add_argument_group("billchain load tests")
    group.add_argument("--workload", env_var="LOADTEST_WORKLOAD", default="")
    group.add_argument("--acked-file", default="")
    group.add_argument("--outcome-file", default="")
    group.add_argument("--max-fail-ratio", type=float, default=0.01)
    group.add_argument("--max-p95-ms", type=float, default=10_000.0)
    group.add_argument("--rpc-timeout", type=float, default=30.0)


@events.test_stop.add_listener
def write_acknowledged(environment, **_kwargs) -> None:
    path = environment.parsed_options.acked_file
    if path:
        Path(path).write_text("".join(f"{entry_id}\n" for entry_id in ACKED))


@events.quitting.add_listener
def apply_gates(environment, **_kwargs) -> None:
    options, total = environment.parsed_options, environment.stats.total
    problems = list(PROBLEMS)
    if total.num_requests == 0:
        problems.append("no request was made")
    if total.fail_ratio > options.max_fail_ratio:
        problems.append(f"failure ratio {total.fail_ratio:.4f} > {options.max_fail_ratio}")
    p95 = total.get_response_time_percentile(0.95) or 0
    if p95 > options.max_p95_ms:
        problems.append(f"p95 {p95:.0f} ms > {options.max_p95_ms:.0f} ms")
    for problem in problems:
        log.error("FAILED GATE: %s", problem)
    if not problems:
        log.info(
            "gates passed: %d requests, failure ratio %.4f, p95 %.0f ms",
            total.num_requests,
            total.fail_ratio,
            p95,
        )
    environment.process_exit_code = 1 if problems else 0
    if options.outcome_file:
        outcome = _read_json(options.outcome_file)
        outcome["gates"] = {"passed": not problems, "problems": problems}
        Path(options.outcome_file).write_text(json.dumps(outcome, indent=2))


def _read_json(path: str) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
