"""Only the platform's own errors reach a caller with their code and text; anything else is
``INTERNAL_ERROR`` — found by the fault drills: a database shutting down mid-request reached
callers as the code ``e3q8`` (SQLAlchemy's) with the SQL error's text."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from ledger.errors import LedgerError
from services.common.errors import CommandRejected, Conflict


def test_a_platform_refusal_keeps_its_code_message_and_details():
    refusal = Conflict(
        "the bill has moved on", {"stream": "bill:1"}, code="STREAM_VERSION_CONFLICT"
    )
    rejected = CommandRejected.from_error(refusal)
    assert (rejected.code, rejected.message, rejected.details) == (
        "STREAM_VERSION_CONFLICT",
        "the bill has moved on",
        {"stream": "bill:1"},
    )


def test_a_ledger_refusal_keeps_its_code():
    error = LedgerError("no such key", code="KEY_UNKNOWN")
    assert CommandRejected.from_error(error).code == "KEY_UNKNOWN"


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("SELECT 1", {}, Exception("FATAL: the database system is shutting down")),
        type("LibraryError", (Exception,), {"code": "E42"})("host db-7 refused"),
        ValueError("unexpected"),
    ],
    ids=["sqlalchemy-operational-error", "a-library-error-with-a-code", "a-plain-exception"],
)
def test_any_other_exception_is_an_internal_error_that_says_nothing_of_its_insides(error):
    rejected = CommandRejected.from_error(error)
    assert (rejected.code, rejected.message) == ("INTERNAL_ERROR", "internal error")
