"""The ledger client speaks the ledger's own names (services/common/ledger_client.py): its
``append_one`` is the ledger's ``append_one`` (one command, a full receipt) and its ``append``
the ledger's ``append`` (a batch: verdicts and one checkpoint), against the real ledger."""

from __future__ import annotations

from nameko.containers import ServiceContainer
from nameko.rpc import rpc
from nameko.standalone.rpc import ClusterRpcProxy

from services.common.ledger_client import LedgerClient
from tests.support.ledger_factories import stream


class Appender:
    name = "ledger_client_appender"
    ledger = LedgerClient()

    @rpc
    def append_one(self, command: dict) -> dict:
        return self.ledger.append_one(command)

    @rpc
    def append(self, commands: list) -> dict:
        return self.ledger.append(commands)


def test_append_one_gives_a_full_receipt_and_append_a_batch_of_verdicts(
    ledger_config, ledger_service, admit
):
    party = admit("bank")
    notes = stream("client")
    container = ServiceContainer(Appender, ledger_config)
    container.start()
    try:
        with ClusterRpcProxy(ledger_config, timeout=30) as proxy:
            one = proxy.ledger_client_appender.append_one(
                party.wire("trade.note", notes, 0, {"n": 0})
            )
            batch = proxy.ledger_client_appender.append(
                [party.wire("trade.note", notes, v, {"n": v}) for v in (1, 2)]
            )
    finally:
        container.stop()
    assert one["leaf"]["envelope"]["stream"] == notes and one["inclusion_proof"] is not None
    assert [verdict["ok"] for verdict in batch["verdicts"]] == [True, True]
    sequences = [verdict["receipt"]["sequence"] for verdict in batch["verdicts"]]
    assert sequences == [one["sequence"] + 1, one["sequence"] + 2]
    assert batch["checkpoint"].startswith(ledger_config["LEDGER_ORIGIN"])
