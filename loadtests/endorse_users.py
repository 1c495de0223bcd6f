"""The signed bill-endorse path: an enterprise endorses a whole bill to
another, which signs to accept it; then back. Each is a signed command through
``bills.submit`` → ledger append (signature, nonce, window, stream version) → projection →
events. Closed loop, pre-signed: its throughput is compared with the ``ledger.ping`` ceiling.
"""

from __future__ import annotations

from locust import constant, task

from loadtests.amqp_user import AmqpUser
from loadtests.lanes import Chain, run_step, take_lane


class EndorsingUser(AmqpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        super().on_start()
        self.chain = Chain(take_lane(self.workload, "endorse")["steps"])

    @task
    def endorse_or_sign(self) -> None:
        run_step(self, self.chain)
