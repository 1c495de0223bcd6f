"""Ledger batch submission: pre-signed batches of 1, 100 and 1000 entries through
``ledger.append``, as a bank submitting its own signed batch would.

Every entry of a batch must be accepted; the entries per second are ``requests × size`` over the
run (the runner reports them). A refused entry is a failed gate, not a failed request: the call
itself answered.
"""

from __future__ import annotations

from locust import constant, events, task
from locust.exception import StopUser

from loadtests import gates
from loadtests.amqp_user import AmqpUser
from loadtests.lanes import take_lane

REFUSED: list[dict] = []


class BatchSender(AmqpUser):
    """Sends its lane's pre-signed batches through ``ledger.append``."""

    abstract = True
    wait_time = constant(0)
    suite = "batches"

    def on_start(self) -> None:
        super().on_start()
        batches = take_lane(self.workload, self.suite)["batches"]
        self.batches = {int(size): list(pending) for size, pending in batches.items()}

    def _append(self, size: int) -> None:
        if not any(self.batches.values()):
            raise StopUser()  # every pre-signed batch was sent
        if not self.batches[size]:
            return
        batch = self.batches[size].pop()
        reply = self.rpc("ledger", "append", batch, label=f"[{size}]")
        if not reply.ok:
            return
        verdicts = reply.result["verdicts"]
        if len(verdicts) != size:
            raise AssertionError(f"{size} commands, {len(verdicts)} verdicts")
        for verdict in verdicts:
            if verdict["ok"]:
                gates.ACKED.append(verdict["receipt"]["entry_id"])
            else:
                REFUSED.append(verdict["error"])


class LedgerThousandBatchUser(BatchSender):
    """Batches of 1000 only: the ledger's batch throughput (≥ 5,000 entries/s)."""

    suite = "batches1000"

    @task
    def append_thousand(self) -> None:
        self._append(1000)


class LedgerBatchUser(BatchSender):
    """A mix of batches of 1, 100 and 1000 entries."""

    @task(20)
    def append_one(self) -> None:
        self._append(1)

    @task(4)
    def append_hundred(self) -> None:
        self._append(100)

    @task(1)
    def append_thousand(self) -> None:
        self._append(1000)


@events.test_stop.add_listener
def no_entry_refused(**_kwargs) -> None:
    if REFUSED:
        codes = sorted({refusal["code"] for refusal in REFUSED})
        gates.fail(f"{len(REFUSED)} pre-signed entries were refused: {', '.join(codes)}")
