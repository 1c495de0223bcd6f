"""The ledger as seen from a business service: append signed commands, look up parties, read.

Each method bears the name of the ledger RPC it calls: ``append_one(command)`` for one command
(a full receipt), ``append(commands)`` for a batch (verdicts and one checkpoint).

A dependency provider (``LedgerClient()``) over nameko's RPC proxy. Refusals come back as
``CommandRejected`` with the ledger's stable code (``STREAM_VERSION_CONFLICT``,
``SIGNATURE_MISMATCH``, ``REPLAY_REFUSED`` …), so a service passes them straight to its caller.
"""

from __future__ import annotations

import time

from services.common.errors import CommandRejected
from services.common.rpc import TimedRpcProxy, answer_within


class LedgerHandle:
    """What a worker gets: thin methods over the ledger's RPC API, and a short party cache."""

    PARTY_TTL_SECONDS = 30.0

    def __init__(self, proxy, party_cache: dict):
        self._ledger = proxy
        self._parties = party_cache

    APPEND_TIMEOUT_SECONDS = 30

    def append_one(self, signed_command: dict) -> dict:
        """Append one signed command (the ledger's ``append_one``); return its full receipt,
        or raise CommandRejected.

        A ledger that does not answer in time gives ``LEDGER_UNAVAILABLE``; the command may
        still have been committed, and re-submitting the identical command is safe (the ledger
        answers a duplicate with its original receipt)."""
        return self._in_time(self._ledger.append_one, signed_command)

    def append(self, signed_commands: list[dict]) -> dict:
        """Append signed commands together (the ledger's ``append``): ``{"checkpoint": note,
        "verdicts": [{"ok": True, "duplicate": False, "receipt": {<compact>}} | {"ok": False,
        "error": {...}}]}``. No answer in time gives ``LEDGER_UNAVAILABLE``, as for
        ``append_one``."""
        return self._in_time(self._ledger.append, signed_commands)

    def _in_time(self, call, *args):
        return answer_within(self.APPEND_TIMEOUT_SECONDS, _ledger_unavailable, call, *args)

    def read_entries(self, after: int = -1, limit: int = 1000, stream_prefix: str | None = None):
        return self._ledger.read_entries(after, limit, stream_prefix)

    def stream_version(self, stream: str) -> int:
        return self._ledger.stream_version(stream)

    def party(self, party_id: str) -> dict | None:
        """The party record (kind, name, credit code, keys) or None if not admitted."""
        cached = self._parties.get(party_id)
        if cached and time.monotonic() - cached[0] < self.PARTY_TTL_SECONDS:
            return cached[1]
        try:
            record = self._ledger.get_party(party_id)
        except CommandRejected as exc:
            if exc.code != "PARTY_UNKNOWN":
                raise
            return None  # not cached: the party may be admitted a moment from now
        self._parties[party_id] = (time.monotonic(), record)
        return record

    def party_kind(self, party_id: str) -> str | None:
        record = self.party(party_id)
        return record["kind"] if record else None

    def credit_code_of(self, party_id: str) -> str | None:
        record = self.party(party_id)
        return record.get("credit_code") if record else None


def _ledger_unavailable() -> CommandRejected:
    return CommandRejected("LEDGER_UNAVAILABLE", "the ledger did not answer in time")


class LedgerClient(TimedRpcProxy):
    def __init__(self, **options):
        super().__init__("ledger", **options)
        self._party_cache: dict = {}

    def get_dependency(self, worker_ctx):
        return LedgerHandle(super().get_dependency(worker_ctx), self._party_cache)
