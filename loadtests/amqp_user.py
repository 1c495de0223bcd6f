"""A Locust user that speaks the platform's AMQP API through the pika bank client (no nameko:
Locust runs gevent, nameko eventlet), reporting each call as a Locust request event.

Request type ``amqp``, name ``<service>.<method>`` (``bills.submit[bill.endorse]`` when a label
tells commands apart), response time in ms, the exception for a failure. A refusal whose code is
an *expected outcome* (a lost race in the contention suite) is reported as a success under
``<name> (<CODE>)``, so it is counted and timed but never taken for a failure.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

import pika.exceptions  # noqa: E402
from locust import User  # noqa: E402

from examples.bank_client import BankApiError, BankClient  # noqa: E402
from loadtests import gates, workload  # noqa: E402


@dataclass(frozen=True)
class Reply:
    result: object = None
    refusal: BankApiError | None = None
    failed: bool = False

    @property
    def ok(self) -> bool:
        return self.refusal is None and not self.failed

    @property
    def code(self) -> str | None:
        return self.refusal.code if self.refusal else None


class AmqpUser(User):
    abstract = True
    host = "amqp://guest:guest@127.0.0.1:5672/%2F"

    def on_start(self) -> None:
        self.client = self._connect()
        self.workload = workload.read(self.environment.parsed_options.workload)

    def on_stop(self) -> None:
        self.client.close()

    def _connect(self) -> BankClient:
        timeout = self.environment.parsed_options.rpc_timeout
        uri = workload.broker_uri(self.host)
        return BankClient(uri, timeout=timeout, name=f"locust-{type(self).__name__}")

    def rpc(
        self, service: str, method: str, *args, label: str = "", expected=frozenset(), **kwargs
    ) -> Reply:
        """Call ``service.method`` and report it; never raises."""
        name = f"{service}.{method}{label}"
        started = time.perf_counter()
        reply, exception = Reply(), None
        try:
            reply = Reply(result=self.client.call(service, method, *args, **kwargs))
        except BankApiError as refusal:
            reply = Reply(refusal=refusal)
            if refusal.code in expected:
                name = f"{name} ({refusal.code})"
            else:
                exception = refusal
        except (pika.exceptions.AMQPError, OSError) as lost:
            reply, exception = Reply(failed=True), lost
            self.client = self._connect()
        self.environment.events.request.fire(
            request_type="amqp",
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=self.client.last_reply_size,
            exception=exception,
            context={},
        )
        return reply

    def submit(self, service: str, command: dict, expected=frozenset()) -> Reply:
        """Submit a pre-signed command; its entry id is recorded once it is acknowledged."""
        label = f"[{command['envelope']['type']}]"
        reply = self.rpc(service, "submit", command, label=label, expected=expected)
        if reply.ok and reply.result.get("receipt"):
            gates.ACKED.append(reply.result["receipt"]["entry_id"])
        return reply
