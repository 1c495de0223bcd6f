"""The signed bill-endorse path in batches (``bills.submit_batch``): an enterprise endorses a
set of bills to another in one message, which signs them all in the next; then back. Each
command is signed, checked by the bill rules, appended and projected as through
``bills.submit``; the batch shares one ledger append. Closed loop, pre-signed; the runner
reports commands per second (requests × batch size) against the ``ledger.ping`` ceiling.
"""

from __future__ import annotations

from collections import deque

from locust import constant, task
from locust.exception import StopUser

from loadtests import gates
from loadtests.amqp_user import AmqpUser
from loadtests.lanes import take_lane


class BatchEndorsingUser(AmqpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        super().on_start()
        self.batches = deque(take_lane(self.workload, "endorse_batch")["batches"])

    @task
    def endorse_or_sign_a_set(self) -> None:
        if not self.batches:
            raise StopUser()  # the lane's pre-signed work is done
        batch = self.batches[0]
        kind = batch[0]["envelope"]["type"]
        reply = self.rpc("bills", "submit_batch", batch, label=f"[{kind} x{len(batch)}]")
        if not reply.ok:
            return  # sent again: an applied command answers with its original receipt
        self.batches.popleft()
        refused = [r["error"] for r in reply.result["results"] if "error" in r]
        if refused:
            raise AssertionError(f"{len(refused)} commands refused, e.g. {refused[0]}")
        gates.ACKED.extend(r["receipt"]["entry_id"] for r in reply.result["results"])
