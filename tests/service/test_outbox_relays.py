"""Each service's outbox relay runs every ``<SERVICE>_OUTBOX_SECONDS`` of its config (config.yml
lists the three with their defaults), not at an interval written in the code. The relay's
timer is set up as its container sets it up when it starts; the crash tests
(tests/system/test_crash_before_dispatch.py) see each relay deliver."""

from __future__ import annotations

import importlib

import pytest
from nameko.containers import ServiceContainer
from nameko.timer import Timer

RELAYS = [
    ("bills", "BillsService", "BILLS_OUTBOX_SECONDS", "publish_outbox"),
    ("invoices", "InvoicesService", "INVOICES_OUTBOX_SECONDS", "publish_outbox"),
    ("credit", "CreditService", "CREDIT_OUTBOX_SECONDS", "publish_alerts"),
]


@pytest.mark.parametrize("package, name, setting, relay", RELAYS, ids=[r[0] for r in RELAYS])
def test_the_outbox_relay_runs_at_the_configured_interval(
    ledger_config, package, name, setting, relay
):
    service = getattr(importlib.import_module(f"services.{package}.service"), name)
    container = ServiceContainer(service, {**ledger_config, setting: 0.25})
    relays = [
        entrypoint
        for entrypoint in container.entrypoints
        if isinstance(entrypoint, Timer) and entrypoint.method_name == relay
    ]
    for timer in relays:
        timer.setup()
    assert [timer.interval for timer in relays] == [0.25]
