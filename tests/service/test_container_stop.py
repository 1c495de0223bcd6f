"""The test run never hangs on a container whose worker waits forever (conftest's bounded
stop): after ``STOP_SECONDS`` the container is killed, with a warning naming it."""

from __future__ import annotations

import time

import conftest
import eventlet
import pytest
from nameko.containers import ServiceContainer
from nameko.rpc import rpc
from nameko.standalone.rpc import ClusterRpcProxy


class Stuck:
    name = "stuck_service"

    @rpc
    def wait_forever(self) -> None:
        eventlet.sleep(3600)


def test_a_container_with_a_worker_stuck_forever_is_killed_after_the_bound(
    ledger_config, monkeypatch
):
    monkeypatch.setattr(conftest, "STOP_SECONDS", 1)
    container = ServiceContainer(Stuck, ledger_config)
    container.start()
    with ClusterRpcProxy(ledger_config) as proxy:
        proxy.stuck_service.wait_forever.call_async()
        eventlet.sleep(0.5)  # the worker is running
    started = time.monotonic()
    with pytest.warns(UserWarning, match="stuck_service did not stop in 1 s: killed"):
        container.stop()
    assert time.monotonic() - started < 10
    assert container._died.ready()
