"""Prometheus metrics: every entrypoint's calls and time (a service's own figures, such as
the ledger's in ``services.ledger.metrics``, are defined beside it, in the same registry).

Add ``metrics = Metrics()`` to a service class. With ``METRICS_PORT`` in the config, the first
such container in a process starts one exporter on ``METRICS_ADDRESS:METRICS_PORT``
(``/metrics``, Prometheus text format; port 0 picks a free one, see ``exporter_port``); every
service in that process shares it, told apart by the ``service`` label. Without
``METRICS_PORT`` nothing listens, and the figures are still counted.

Labels stay few: the service, the entrypoint's method name, and the outcome — ``ok``, an HTTP
route's status code, the stable code of a refusal (a finite, documented set), or ``error``.
"""

from __future__ import annotations

import logging
import time

from nameko.extensions import DependencyProvider
from prometheus_client import Counter, Histogram, start_http_server

CALLS = Counter(
    "billchain_entrypoint_calls",
    "Entrypoint calls (RPC methods, event handlers, HTTP routes, timers) by outcome",
    ["service", "entrypoint", "outcome"],
)
SECONDS = Histogram(
    "billchain_entrypoint_seconds",
    "Time an entrypoint's worker took, refusals included",
    ["service", "entrypoint"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
HINTS_REFUSED = Counter(
    "billchain_projection_hints_refused",
    "Entries an entries_committed event named that the ledger does not hold as named (not on "
    "it, beyond its head, out of order, after a gap, malformed): refused, the ledger read instead",
    ["service", "reason"],
)
log = logging.getLogger(__name__)
_exporter = {"port": None}


def exporter_port() -> int | None:
    """The port this process's exporter listens on (``None`` when none was started)."""
    return _exporter["port"] or None


def _start_exporter(config: dict) -> None:
    """Once per process. A port already taken is logged, not fatal: the services run on, and
    their figures are still counted, without an exporter."""
    if _exporter["port"] is not None or config.get("METRICS_PORT") in (None, ""):
        return
    # claimed before binding: services of one process set up side by side, and binding may
    # yield to the next one's setup, which would then find the port taken by its sibling
    _exporter["port"] = 0
    address = str(config.get("METRICS_ADDRESS") or "127.0.0.1")
    try:
        server, _thread = start_http_server(int(config["METRICS_PORT"]), addr=address)
    except OSError as exc:
        log.error("metrics exporter not started on %s:%s: %s", address, config["METRICS_PORT"], exc)
        return
    _exporter["port"] = server.server_port
    log.info("metrics exporter on http://%s:%d/metrics", address, server.server_port)


class Metrics(DependencyProvider):
    """Times and counts every worker of its service; starts the process's exporter."""

    def setup(self):
        _start_exporter(self.container.config)
        self.service = self.container.service_name
        self.started: dict[int, float] = {}

    def get_dependency(self, worker_ctx):
        return None

    def worker_setup(self, worker_ctx):
        self.started[id(worker_ctx)] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self.started.pop(id(worker_ctx), None)
        method = worker_ctx.entrypoint.method_name
        if started is not None:
            SECONDS.labels(self.service, method).observe(time.perf_counter() - started)
        CALLS.labels(self.service, method, outcome(result, exc_info)).inc()


def outcome(result, exc_info) -> str:
    """``ok``; an HTTP route's status code; a refusal's code; or ``error``."""
    if exc_info is None:
        status = getattr(result, "status_code", None)
        return str(status) if isinstance(status, int) else "ok"
    code = getattr(exc_info[1], "code", None)
    return code if isinstance(code, str) and code.isupper() else "error"
