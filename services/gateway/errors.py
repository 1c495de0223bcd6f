"""The gateway's refusals and the one table mapping every error code to an HTTP status.

Domain services send refusals as ``CommandRejected(code, …)``; only the code crosses the wire,
so the table is keyed by code. The codes of the bills and invoices services are read from their
error classes (each derives from one of the platform's four kinds), so a new code lands in the
right row without editing this file; the ledger's codes are listed by hand.
"""

from __future__ import annotations

from services.common.errors import Conflict, Forbidden, NotFound, PlatformError, ValidationFailed


class BadJson(PlatformError):
    """Raised when a request body is not JSON (400)."""

    code = "INVALID_JSON"


class UnsupportedMediaType(PlatformError):
    """Raised when a body is sent without ``Content-Type: application/json`` (415)."""

    code = "UNSUPPORTED_MEDIA_TYPE"


class BodyTooLarge(PlatformError):
    """Raised when a body exceeds the gateway's limit (413)."""

    code = "BODY_TOO_LARGE"


class Unauthenticated(PlatformError):
    """Raised when a request needs a session and has none (401)."""

    code = "UNAUTHENTICATED"


class LoginFailed(PlatformError):
    """Raised when a username or password is wrong; never says which (401)."""

    code = "LOGIN_FAILED"


class CsrfRefused(Forbidden):
    """Raised when a state-changing request lacks the session's ``X-CSRF-Token`` (403)."""

    code = "CSRF_REFUSED"


class RegulatorOnly(Forbidden):
    """A user whose party is not a regulator asked for a trace."""

    code = "REGULATOR_ONLY"


class NotYourParty(Forbidden):
    """Raised when a user signs or reads for a party other than their own (403)."""

    code = "PARTY_MISMATCH"


class EnrolmentProofInvalid(ValidationFailed):
    """Raised when a key enrolment's proof is not signed by the key it enrols (422)."""

    code = "ENROLMENT_PROOF_INVALID"


class EnrolmentKeyTaken(Conflict):
    """Raised when a key another party already enrolled is enrolled again (409)."""

    code = "ENROLMENT_KEY_TAKEN"


class Throttled(PlatformError):
    """Raised when too many logins failed for a user or address in the window (429)."""

    code = "LOGIN_THROTTLED"


class RateLimited(PlatformError):
    """Raised when a caller sent more requests than its window allows (429)."""

    code = "RATE_LIMITED"


class ServiceUnavailable(PlatformError):
    """Raised when the service behind a route is not running (503)."""

    code = "SERVICE_UNAVAILABLE"


KIND_STATUS = ((ValidationFailed, 422), (Forbidden, 403), (NotFound, 404), (Conflict, 409))

_GATEWAY = {
    BadJson.code: 400,
    UnsupportedMediaType.code: 415,
    BodyTooLarge.code: 413,
    Unauthenticated.code: 401,
    LoginFailed.code: 401,
    CsrfRefused.code: 403,
    NotYourParty.code: 403,
    EnrolmentProofInvalid.code: 422,
    EnrolmentKeyTaken.code: 409,
    Throttled.code: 429,
    RateLimited.code: 429,
    ServiceUnavailable.code: 503,
    "ROUTE_NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "INTERNAL_ERROR": 500,
}

_LEDGER = {
    **dict.fromkeys(
        (
            "INVALID_ENVELOPE",
            "NOT_CANONICAL",
            "INVALID_SIGNATURE",
            "SIGNATURE_LENGTH",
            "SIGNATURE_ZERO",
            "SIGNATURE_OUT_OF_RANGE",
            "SIGNATURE_HIGH_S",
            "SIGNATURE_MISMATCH",
            "INVALID_KEY",
            "KEY_INVALID",
            "BAD_RANGE",
            "INVALID_AMOUNT",
            "INVALID_CREDIT_CODE",
            "COMMAND_WRONG_STREAM",
            "STREAM_RESERVED",
            "ENTRY_TOO_LARGE",
            "OUTSIDE_TIME_WINDOW",
        ),
        422,
    ),
    **dict.fromkeys(
        (
            "KEY_UNKNOWN",
            "KEY_REVOKED",
            "KEY_NOT_SIGNERS",
            "KEY_ALG_MISMATCH",
            "NOT_OPERATOR",
            "MEMBERSHIP_REFUSED",
        ),
        403,
    ),
    **dict.fromkeys(("ENTRY_NOT_FOUND", "CHECKPOINT_NOT_FOUND", "PARTY_UNKNOWN"), 404),
    **dict.fromkeys(
        ("STREAM_VERSION_CONFLICT", "REPLAY_REFUSED", "PARTY_EXISTS", "KEY_EXISTS", "SPLIT_VIEW"),
        409,
    ),
    # a service behind the gateway did not answer in time; re-sending the same signed command
    # is safe (a duplicate answers with the original receipt)
    **dict.fromkeys(("LEDGER_UNAVAILABLE", "CREDIT_UNAVAILABLE"), 503),
}


def _domain_codes() -> dict[str, int]:
    import services.bills.errors  # noqa: F401  (registers the bill error classes)
    import services.credit.errors  # noqa: F401
    import services.invoices.errors  # noqa: F401

    table: dict[str, int] = {}
    pending = list(PlatformError.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        for kind, status in KIND_STATUS:
            if issubclass(cls, kind):
                table.setdefault(cls.code, status)
                break
    return table


STATUS_BY_CODE: dict[str, int] = {**_domain_codes(), **_LEDGER, **_GATEWAY}


def status_of(code: str) -> int:
    """The HTTP status for an error code. An unknown code from a service is still a refusal
    of the request (422), never a server fault; only ``INTERNAL_ERROR`` is a 500."""
    if code in STATUS_BY_CODE:
        return STATUS_BY_CODE[code]
    if code.endswith("NOT_FOUND"):
        return 404
    return 422
