"""What a refused or failed call raises: one exception with the platform's stable code.

Every platform refusal arrives as an RPC error reply whose ``exc_type`` is ``CommandRejected``
and whose ``exc_args`` are ``[code, message, details]`` (docs/asyncapi.yaml, ``RpcError``).
A few errors come from the RPC layer itself, before any platform code runs; they carry only
the exception's name, which is mapped here to a code of the same style. A bank matches on
``code``, never on ``exc_path`` (a Python module path that may change).
"""

from __future__ import annotations

# Errors raised by the nameko RPC layer (not by the platform), by exc_type.
PROTOCOL_CODES = {
    "MethodNotFound": "METHOD_NOT_FOUND",
    "MalformedRequest": "MALFORMED_REQUEST",
    "IncorrectSignature": "INCORRECT_ARGUMENTS",
    "UnserializableValueError": "UNSERIALIZABLE_RESULT",
}


class BankApiError(Exception):
    """A refusal or failure with a stable ``code``, a ``message`` for people and ``details``
    (string values) for programs, e.g. ``STREAM_VERSION_CONFLICT`` with ``current_version``."""

    def __init__(self, code: str, message: str = "", details: dict | None = None):
        self.code = code
        self.message = message or code
        self.details = details or {}
        super().__init__(code, self.message, self.details)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class RpcTimeout(BankApiError):
    """Raised when no reply came within the call's timeout. The outcome is unknown: resend the
    identical signed command, which the platform answers with the original receipt."""

    def __init__(self, routing_key: str, seconds: float):
        super().__init__("RPC_TIMEOUT", f"no reply to {routing_key} within {seconds:g} s")


class UnknownService(BankApiError):
    """Raised when the broker could route the request to no service queue."""

    def __init__(self, routing_key: str):
        super().__init__("UNKNOWN_SERVICE", f"no service consumes {routing_key}")


def error_from_reply(error: dict) -> BankApiError:
    """The exception for the ``error`` member of an RPC reply."""
    exc_type = error.get("exc_type", "")
    exc_args = error.get("exc_args") or []
    if exc_type == "CommandRejected" and exc_args:
        code, message, details = (list(exc_args) + ["", {}])[:3]
        return BankApiError(str(code), str(message), details if isinstance(details, dict) else {})
    code = PROTOCOL_CODES.get(exc_type, "REMOTE_ERROR")
    return BankApiError(code, str(error.get("value", "")), {"exc_type": exc_type})
