"""RPC to another service that always answers in time.

nameko's ``RpcProxy`` waits for a reply for as long as it takes. If a reply is lost (a broker
connection dropped in between, say), the worker waits forever: the caller never hears back,
and its container can never stop. ``TimedRpcProxy(service)`` behaves the same, except that a
call not answered within ``RPC_TIMEOUT_SECONDS`` (config, 60 s) raises ``SERVICE_UNAVAILABLE``
(``CommandRejected``; 503 at the gateway). A reply that arrives later is dropped by nameko.
Tighter bounds with their own codes (``LEDGER_UNAVAILABLE`` for appends,
``CREDIT_UNAVAILABLE`` for limits) fire first.
"""

from __future__ import annotations

from collections.abc import Callable

import eventlet
from nameko.rpc import RpcProxy

from services.common.errors import CommandRejected

DEFAULT_TIMEOUT_SECONDS = 60.0


class TimedRpcProxy(RpcProxy):
    def setup(self):
        super().setup()
        config = self.container.config
        self.timeout = float(config.get("RPC_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))

    def get_dependency(self, worker_ctx):
        return TimedService(super().get_dependency(worker_ctx), self.target_service, self.timeout)


class TimedService:
    """``service.method(*args, **kwargs)`` as nameko's proxy, within ``timeout`` seconds."""

    def __init__(self, proxy, service: str, timeout: float):
        self._proxy, self._service, self._timeout = proxy, service, timeout

    def __getattr__(self, method: str):
        call = getattr(self._proxy, method)

        def unavailable() -> CommandRejected:
            details = {"service": self._service, "method": method, "seconds": self._timeout}
            return CommandRejected(
                "SERVICE_UNAVAILABLE", f"{self._service} did not answer in time", details
            )

        return lambda *args, **kwargs: answer_within(
            self._timeout, unavailable, call, *args, **kwargs
        )


def answer_within(seconds: float, refusal: Callable[[], Exception], call, *args, **kwargs):
    """``call(*args, **kwargs)``; ``refusal()`` is raised if it has not answered in ``seconds``."""
    try:
        with eventlet.Timeout(seconds):
            return call(*args, **kwargs)
    except eventlet.Timeout:
        raise refusal() from None
