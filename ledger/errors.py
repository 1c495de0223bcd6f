"""The ledger library's errors: one tree, each with a stable string code.

Callers (services, the gateway, bank clients) match on ``code``, never on the class path.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every error the ledger library raises."""

    code = "LEDGER_ERROR"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code

    def to_dict(self) -> dict:
        return {"code": self.code, "message": str(self)}


class CanonicalEncodingError(LedgerError):
    """Raised when a value cannot be encoded canonically (floats, non-string keys, ...)
    or when bytes presented as canonical are not the canonical encoding of what they hold."""

    code = "NOT_CANONICAL"


class InvalidEnvelope(LedgerError):
    """Raised when a command envelope is missing a field or a field has the wrong form."""

    code = "INVALID_ENVELOPE"


class InvalidKey(LedgerError):
    """Raised when a public or private key is not a valid P-256 key."""

    code = "INVALID_KEY"


class InvalidSignature(LedgerError):
    """Raised by ``require_valid_signature`` when a signature does not verify; ``code`` names
    the reason (``SIGNATURE_LENGTH``, ``SIGNATURE_HIGH_S`` ...)."""

    code = "INVALID_SIGNATURE"


class InvalidCheckpoint(LedgerError):
    """Raised when a checkpoint note cannot be parsed or its signature does not verify."""

    code = "INVALID_CHECKPOINT"


class InvalidReceipt(LedgerError):
    """Raised when a receipt does not prove what it claims."""

    code = "INVALID_RECEIPT"
