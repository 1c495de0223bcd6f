"""Bill streams: ``bill:<package_no>`` names the ledger stream of one bill package."""

from __future__ import annotations

from services.bills.errors import BillFieldInvalid

BILL_STREAM = "bill:"


def is_bill_stream(stream) -> bool:
    return isinstance(stream, str) and stream.startswith(BILL_STREAM)


def stream_of(package_no: str) -> str:
    return f"{BILL_STREAM}{package_no}"


def package_of(stream: str) -> str:
    return stream[len(BILL_STREAM) :]


def require_bill_stream(stream: str) -> None:
    if not is_bill_stream(stream):
        details = {"field": "stream", "stream": stream}
        raise BillFieldInvalid("bill commands go on a bill:<package_no> stream", details)
