"""The platform's error contract: every refusal carries a stable string code.

Domain modules raise subclasses of ``PlatformError`` that set ``code``; service entrypoints send
them to callers as ``CommandRejected`` (code, message, details), whatever the caller's language.
The gateway maps codes to HTTP statuses in one table. Nothing here imports nameko.
"""

from __future__ import annotations

from ledger.errors import LedgerError


class PlatformError(Exception):
    """Base of every refusal; ``code`` is stable and documented, ``message`` is for people."""

    code = "PLATFORM_ERROR"

    def __init__(self, message: str = "", details: dict | None = None, *, code: str | None = None):
        self.code = code or type(self).code
        self.message = message or self.code
        self.details = details or {}
        super().__init__(self.message)

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "details": self.details}


class CommandRejected(PlatformError):
    """What crosses the wire: ``exc_args`` are ``[code, message, details]``.

    A nameko caller gets this class back with ``.code``; a plain AMQP client reads
    ``error.exc_args[0]`` from the reply. ``details`` values travel as strings (nameko
    stringifies exception arguments), so they are made strings here for every caller alike.
    """

    def __init__(self, code: str, message: str = "", details: dict | None = None):
        details = {str(key): _text(value) for key, value in (details or {}).items()}
        super().__init__(message, details, code=code)
        self.args = (self.code, self.message, self.details)

    @classmethod
    def from_error(cls, error: Exception) -> CommandRejected:
        if isinstance(error, CommandRejected):
            return error
        code = getattr(error, "code", None)
        # only the platform's own errors carry codes of the contract: a library's exception
        # may have a ``code`` of its own (SQLAlchemy's OperationalError says "e3q8" when the
        # database shuts down) and its text names tables and hosts; neither reaches a caller
        if not isinstance(error, PlatformError | LedgerError) or not isinstance(code, str):
            return cls("INTERNAL_ERROR", "internal error")
        details = getattr(error, "details", None)
        return cls(code, str(error), details if isinstance(details, dict) else {})


class ValidationFailed(PlatformError):
    """Raised when a request's shape is wrong (missing field, wrong type, bad format)."""

    code = "VALIDATION_FAILED"


class NotFound(PlatformError):
    """Raised when the thing asked for does not exist (or the caller may not know it does)."""

    code = "NOT_FOUND"


class Forbidden(PlatformError):
    """Raised when the signer may not perform this act."""

    code = "FORBIDDEN"


class Conflict(PlatformError):
    """Raised when the act lost a race or contradicts current state (e.g. a stream version)."""

    code = "CONFLICT"


def _text(value) -> str | list | dict:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return {str(key): _text(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_text(item) for item in value]
    return str(value)
