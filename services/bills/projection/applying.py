"""Applying one ledger entry to a bill: re-run ``decide`` with the entry's ledger time as
``now`` (the ledger's clock decides, not the caller's) and the parties admitted before it,
``evolve`` the events, collect the rows and the messages.

An entry the domain refuses (possible only for an entry that bypassed this service) still
holds its stream version: the kit records it with its refusal code, and it changes no state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from services.bills import domain
from services.bills.domain import Bill, BillCommand, Context
from services.bills.errors import BillFieldInvalid
from services.bills.projection.messages import event_message
from services.bills.projection.rows import Rows
from services.bills.projection.state import load_bill
from services.bills.projection.streams import is_bill_stream, package_of, require_bill_stream
from services.common.errors import CommandRejected, PlatformError
from services.common.projection.applying import Outcome
from services.common.projection.entry import LedgerEntry

log = logging.getLogger(__name__)
ContextFor = Callable[[LedgerEntry], Context]


def decide_entry(bill: Bill | None, command: BillCommand, stream: str, context: Context):
    """The domain's decision on ``command`` signed for ``stream`` (which names the bill)."""
    require_bill_stream(stream)
    if command.type == "bill.issue" and command.body.get("package_no") != package_of(stream):
        details = {"field": "stream", "stream": stream}
        raise BillFieldInvalid("a bill is issued on its own stream bill:<package_no>", details)
    return domain.decide(bill, command, context)


class BillsApplier:
    """The bills rules for the projection kit. ``known`` maps a stream to ``(version, bill)``
    as the caller read it to decide: used instead of reading the bill again when the entry
    holds that version (its position is locked by then, so the bill cannot have moved)."""

    def __init__(self, context_for: ContextFor, known: dict | None = None):
        self.context_for, self.known = context_for, known or {}
        self.rows = Rows()

    def follows(self, stream: str) -> bool:
        return is_bill_stream(stream)

    def apply(self, session, entry: LedgerEntry) -> Outcome:
        known = self.known.get(entry.stream)
        if known is not None and known[0] == entry.version:
            bill = known[1]
        else:
            bill = load_bill(session, package_of(entry.stream))
        command = BillCommand(entry.type, entry.signer, entry.body)
        try:
            events = decide_entry(bill, command, entry.stream, self.context_for(entry))
        except CommandRejected:  # a remote call (party lookup) failed: not the bill rules' answer
            raise
        except PlatformError as refusal:
            log.warning(
                "ledger entry refused by the bill rules: %s",
                refusal.code,
                extra={
                    "entry_id": entry.entry_id,
                    "sequence": entry.sequence,
                    "code": refusal.code,
                },
            )
            return Outcome(refusal=refusal)
        for event in events:
            bill = domain.evolve(bill, event)
        if events:
            self.rows.history(entry, events)
            self.rows.state(bill)
        messages = tuple((event.name, event_message(entry, event)) for event in events)
        return Outcome(tuple(events), messages)

    def flush(self, session) -> list:
        self.rows.flush(session)
        return []
