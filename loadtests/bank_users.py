"""Banks over AMQP: reading bills and the ledger, and discounting — a supplier's
pre-signed ``bill.discount`` naming the bank, then the bank's own signed ``bill.sign``.

Think time between calls, as a bank's back office has; every answer is checked.
"""

from __future__ import annotations

import random

from locust import between, task

from loadtests.amqp_user import AmqpUser
from loadtests.lanes import Chain, run_step, take_lane


class BankUser(AmqpUser):
    wait_time = between(0.05, 0.25)

    def on_start(self) -> None:
        super().on_start()
        self.lane = take_lane(self.workload, "banks")
        self.chain = Chain(self.lane["steps"])

    @task(4)
    def discount(self) -> None:
        reply = run_step(self, self.chain)
        if reply.ok and reply.result["bill"]["package_no"] not in self.lane["bills"]:
            raise AssertionError("bills.submit answered with another bill")

    @task(3)
    def read_bill(self) -> None:
        number = random.choice(self.lane["bills"])
        reply = self.rpc("bills", "get_bill", number)
        if reply.ok and reply.result["package_no"] != number:
            raise AssertionError(f"get_bill({number}) answered another bill")

    @task(2)
    def bills_held(self) -> None:
        reply = self.rpc("bills", "bills_of", self.lane["bank"], role="held")
        if reply.ok and not isinstance(reply.result, list):
            raise AssertionError("bills_of must answer a list")

    @task(1)
    def range_map(self) -> None:
        self.rpc("bills", "range_map", random.choice(self.lane["bills"]))

    @task(1)
    def checkpoint(self) -> None:
        reply = self.rpc("ledger", "get_checkpoint")
        if reply.ok and int(reply.result["note"].split("\n")[1]) != reply.result["tree_size"]:
            raise AssertionError("the checkpoint note names another tree size")
