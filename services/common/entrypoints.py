"""RPC entrypoints that keep the platform's error contract.

A refusal leaves a service as ``CommandRejected(code, message, details)`` whatever raised it: a
domain error keeps its code; anything unexpected becomes ``INTERNAL_ERROR`` (logged here with a
reference, never leaking a traceback to the caller). The worker survives either way.
"""

from __future__ import annotations

import logging
import uuid

from nameko.exceptions import registry
from nameko.rpc import Rpc

from ledger.errors import LedgerError
from services.common.errors import CommandRejected, PlatformError

log = logging.getLogger(__name__)

# Callers using nameko get CommandRejected back (with .code), not a bare RemoteError.
registry[f"{CommandRejected.__module__}.{CommandRejected.__name__}"] = CommandRejected


def to_wire_error(exc: BaseException) -> CommandRejected:
    rejected = CommandRejected.from_error(exc)
    if rejected.code == "INTERNAL_ERROR":
        reference = uuid.uuid4().hex[:12]
        log.error("unexpected error %s", reference, exc_info=exc)
        rejected = CommandRejected("INTERNAL_ERROR", "internal error", {"reference": reference})
    return rejected


class PlatformRpc(Rpc):
    def __init__(self, expected_exceptions=(), sensitive_arguments=(), **kwargs):
        super().__init__(
            # refusals are answers, not faults: nameko logs only unexpected errors
            expected_exceptions=expected_exceptions or (PlatformError, LedgerError),
            sensitive_arguments=sensitive_arguments,
            **kwargs,
        )

    def handle_result(self, message, worker_ctx, result, exc_info):
        if exc_info is not None:
            rejected = to_wire_error(exc_info[1])
            exc_info = (type(rejected), rejected, exc_info[2])
        return super().handle_result(message, worker_ctx, result, exc_info)


rpc = PlatformRpc.decorator
