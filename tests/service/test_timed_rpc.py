"""A call to another service never waits forever (services/common/rpc.py): unanswered within
``RPC_TIMEOUT_SECONDS``, it raises ``SERVICE_UNAVAILABLE``, and the caller's worker ends."""

from __future__ import annotations

import time

import eventlet
from nameko.containers import ServiceContainer
from nameko.rpc import rpc
from nameko.standalone.rpc import ClusterRpcProxy

import services.common.entrypoints  # noqa: F401  (refusals come back as CommandRejected)
from services.common.errors import CommandRejected
from services.common.rpc import TimedRpcProxy


class Silent:
    name = "silent_service"

    @rpc
    def never_answers(self) -> None:
        eventlet.sleep(3600)


class Caller:
    name = "caller_service"
    silent = TimedRpcProxy("silent_service")

    @rpc
    def ask(self) -> str:
        try:
            self.silent.never_answers()
        except CommandRejected as refusal:
            return f"{refusal.code} {refusal.details['service']}.{refusal.details['method']}"
        return "answered"


def test_a_call_nobody_answers_ends_with_service_unavailable_in_time(ledger_config):
    config = {**ledger_config, "RPC_TIMEOUT_SECONDS": 1}
    silent, caller = ServiceContainer(Silent, config), ServiceContainer(Caller, config)
    for container in (silent, caller):
        container.start()
    try:
        with ClusterRpcProxy(config, timeout=30) as proxy:
            started = time.monotonic()
            answer = proxy.caller_service.ask()
        assert answer == "SERVICE_UNAVAILABLE silent_service.never_answers"
        assert time.monotonic() - started < 10
    finally:
        caller.stop()  # its worker is over: it stops at once
        silent.kill()


def test_the_timed_proxy_passes_answers_and_refusals_through(ledger_config, ledger_service):
    class LedgerCaller:
        name = "ledger_caller"
        ledger = TimedRpcProxy("ledger")

        @rpc
        def ping_and_refusal(self) -> list:
            try:
                self.ledger.get_entry(10**12)
            except CommandRejected as refusal:
                return [self.ledger.ping(), refusal.code]
            return [self.ledger.ping(), None]

    container = ServiceContainer(LedgerCaller, ledger_config)
    container.start()
    try:
        with ClusterRpcProxy(ledger_config, timeout=30) as proxy:
            assert proxy.ledger_caller.ping_and_refusal() == ["pong", "ENTRY_NOT_FOUND"]
    finally:
        container.stop()
