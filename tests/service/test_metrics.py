"""Prometheus metrics (services/common/metrics.py): a real ``nameko run`` ledger process with
``METRICS_PORT`` serves /metrics, counting each entrypoint's calls by outcome, their time, and
the ledger's commits, entries and refusals; a port already taken never stops a service."""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from conftest import ledger_replica
from prometheus_client.parser import text_string_to_metric_families

import services.common.entrypoints  # noqa: F401  (refusals come back as CommandRejected)
from services.common.errors import CommandRejected
from services.common.metrics import outcome
from tests.support.bills_service_harness import wait_until
from tests.support.ledger_factories import admission, stream

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def metered(ledger_config, services, run_id, tmp_path_factory):
    port = free_port()
    name = f"{run_id}-metrics"
    with ledger_replica(
        ledger_config, services, name, tmp_path_factory, METRICS_PORT=port
    ) as found:
        yield found.proxy, port


def scrape(port: int) -> dict[tuple[str, frozenset], float]:
    """Every sample as {(name, labels): value}."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_the_exporter_counts_calls_by_outcome_and_the_ledgers_commits(metered, operator):
    proxy, port = metered
    before = scrape(port)
    wire, _ = admission(operator)
    proxy.ledger.append_one(wire)
    conflicting = operator.wire("trade.note", stream(), 5, {"n": 1})  # the stream is at 0
    with pytest.raises(CommandRejected) as refused:
        proxy.ledger.append_one(conflicting)
    assert refused.value.code == "STREAM_VERSION_CONFLICT"
    calls = "billchain_entrypoint_calls_total"
    # nameko sends a reply before its dependencies see the worker's result: poll a moment
    counted = {
        "service": "ledger",
        "entrypoint": "append_one",
        "outcome": "STREAM_VERSION_CONFLICT",
    }

    def counted_both():
        found = scrape(port)
        grown = value(found, calls, **counted) - value(before, calls, **counted)
        return found if grown else None

    after = wait_until(counted_both)

    def grew(name: str, **labels) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew(calls, service="ledger", entrypoint="append_one", outcome="ok") == 1
    assert (
        grew(calls, service="ledger", entrypoint="append_one", outcome="STREAM_VERSION_CONFLICT")
        == 1
    )
    timed = grew("billchain_entrypoint_seconds_count", service="ledger", entrypoint="append_one")
    assert timed == 2
    assert grew("billchain_ledger_entries_committed_total") == 1
    assert grew("billchain_ledger_commands_refused_total", code="STREAM_VERSION_CONFLICT") == 1
    assert grew("billchain_ledger_commit_seconds_count") >= 2  # the refusal is decided in one
    assert value(after, "billchain_ledger_tree_size") >= 2


def test_an_outcome_is_ok_a_status_a_refusal_code_or_error():
    class Response:
        status_code = 404

    assert outcome({"ok": True}, None) == "ok"
    assert outcome(Response(), None) == "404"
    refusal = CommandRejected("BILL_NOT_FOUND", "no such bill")
    assert outcome(None, (CommandRejected, refusal, None)) == "BILL_NOT_FOUND"
    assert outcome(None, (ValueError, ValueError("boom"), None)) == "error"


def test_a_metrics_port_already_taken_is_logged_and_the_process_goes_on():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        script = (
            "import logging; logging.basicConfig();"
            "from services.common import metrics;"
            f"metrics._start_exporter({{'METRICS_PORT': {port}}});"
            "print('still running', metrics.exporter_port())"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "still running None"
    assert "metrics exporter not started" in done.stderr


def test_services_set_up_side_by_side_in_one_process_start_one_exporter_without_an_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = (
        "import eventlet; eventlet.monkey_patch();"
        "import logging; logging.basicConfig();"
        "from services.common import metrics;"
        f"config = {{'METRICS_PORT': {port}}};"
        "pool = eventlet.GreenPool();"
        "[pool.spawn(metrics._start_exporter, config) for _ in range(5)];"
        "pool.waitall();"
        "print('exporter', metrics.exporter_port())"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"exporter {port}"
    assert "not started" not in done.stderr
