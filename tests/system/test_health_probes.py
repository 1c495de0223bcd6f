"""The container health probe keeps one contract for every service, healthy or stopped.

``python -m deploy.healthcheck NAME`` is what docker compose and Kubernetes run: it must pass on a
healthy stack and fail, within its timeout, once the service is stopped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.gateway_harness import start_stack

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("ledger", "bills", "invoices", "credit", "gateway")


@pytest.fixture(scope="module")
def stack(ledger_config, database_factory, services, run_id, redis_prefix, operator):
    from nameko.containers import ServiceContainer

    from services.credit.operations import migrate as migrate_credit
    from services.credit.service import CreditService

    stack, stop = start_stack(
        "probes", ledger_config, database_factory, services, run_id, redis_prefix, operator
    )
    migrate_credit(stack.config)
    credit = ServiceContainer(CreditService, stack.config)
    credit.start()
    stack.containers.append(credit)
    yield stack
    stop()
    credit.stop()


def probe(stack, service: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "AMQP_URI": stack.config["AMQP_URI"],
        "WEB_SERVER_ADDRESS": stack.config["WEB_SERVER_ADDRESS"],
    }
    return subprocess.run(
        [sys.executable, "-m", "deploy.healthcheck", service],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
    )


def container_of(stack, service: str):
    (container,) = [c for c in stack.containers if c.service_name == service]
    return container


def probe_here(stack, service: str, monkeypatch, capsys) -> tuple[int, str]:
    """The probe's ``main`` in this process (the command line costs seconds of imports)."""
    from deploy import healthcheck

    monkeypatch.setenv("AMQP_URI", stack.config["AMQP_URI"])
    monkeypatch.setenv("WEB_SERVER_ADDRESS", stack.config["WEB_SERVER_ADDRESS"])
    status = healthcheck.main(service)
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def test_the_probe_command_passes_on_a_healthy_service(stack):
    done = probe(stack, "ledger")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ledger healthy"


def test_every_service_passes_its_probe_on_a_healthy_stack(stack, monkeypatch, capsys):
    for service in SERVICES:
        assert probe_here(stack, service, monkeypatch, capsys) == (0, f"{service} healthy\n")


def test_a_name_that_is_no_service_is_unhealthy(stack, monkeypatch, capsys):
    status, said = probe_here(stack, "nonsense", monkeypatch, capsys)
    assert status == 1 and "no such service" in said


@pytest.mark.parametrize("service", SERVICES)
def test_a_stopped_service_fails_its_probe(stack, service, monkeypatch, capsys):
    container_of(stack, service).stop()
    status, said = probe_here(stack, service, monkeypatch, capsys)
    assert status == 1, said
    assert f"{service} unhealthy" in said
