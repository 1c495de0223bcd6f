"""What the bills service dispatches (through the outbox): one message per bill event."""

from __future__ import annotations

from services.bills.domain import BillEvent
from services.bills.projection.streams import package_of
from services.common.projection.entry import LedgerEntry


def event_message(entry: LedgerEntry, event: BillEvent) -> dict:
    """What subscribers receive: the event, the bill and the ledger entry that caused it."""
    return {
        **event.to_dict(),
        "package_no": package_of(entry.stream),
        "entry_id": entry.entry_id,
        "sequence": entry.sequence,
        "ledger_time": entry.ledger_time,
    }
