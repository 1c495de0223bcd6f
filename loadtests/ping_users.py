"""The ceiling: ``ledger.ping``, a trivial nameko RPC round trip on the same stack.

Every operation is reported as a ratio to this (machines are noisy, ratios measured in
one run are not). Closed loop: each user calls again as soon as it is answered.
"""

from __future__ import annotations

from locust import constant, task

from loadtests.amqp_user import AmqpUser


class PingUser(AmqpUser):
    wait_time = constant(0)

    @task
    def ping(self) -> None:
        reply = self.rpc("ledger", "ping")
        if reply.ok and reply.result != "pong":
            raise AssertionError(f"ledger.ping answered {reply.result!r}")
