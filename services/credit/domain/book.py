"""The credit book: ledger entries folded into the facts credit features are computed from.

``CreditBook.apply(entry)`` takes ledger entries in sequence order — ``LedgerEntry`` values or
the leaf records of ``read_entries`` and ``entries_committed`` (``{sequence, entry_id,
envelope, ledger_time}``) — and keeps, per invoice, trade, bill, financing and party, what
happened and which entry said so (``facts``; how each entry type changes them:
``book_rules``). It never refuses: an entry it cannot use (unknown type, a reference to
nothing, a malformed body that some direct append let through) is counted in ``skipped`` and
changes nothing, so a replay of the same entries always gives the same book. Entries at or
below the last applied sequence are ignored (idempotent by ledger sequence).

Pure: no nameko, no database. The service, the training command and the tests share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from services.common.projection.entry import LedgerEntry
from services.credit.domain.book_rules import HANDLERS
from services.credit.domain.facts import Facts

RELEVANT_STREAMS = ("party", "programme", "payment", "trade", "invoice", "bill", "financing")


def is_relevant(entry: LedgerEntry) -> bool:
    """Whether the credit book reads this entry (the service stores only these)."""
    return entry.kind in RELEVANT_STREAMS


class CreditBook(Facts):
    def __init__(self):
        super().__init__()
        self.sequence = -1  # the last sequence applied
        self.last_time: datetime | None = None
        self.skipped = 0

    @property
    def tree_size(self) -> int:
        return self.sequence + 1

    def apply_all(self, entries: Iterable[LedgerEntry | Mapping]) -> CreditBook:
        for entry in entries:
            self.apply(entry)
        return self

    def apply(self, entry: LedgerEntry | Mapping) -> bool:
        """Fold one ledger entry in; ``False`` when it was already applied or not used."""
        entry = LedgerEntry.of(entry)
        if entry.sequence <= self.sequence:
            return False
        self.sequence, self.last_time = entry.sequence, entry.at
        handler = HANDLERS.get(entry.type)
        if handler is None:
            return False
        try:
            handler(self, entry)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            self.skipped += 1  # e.g. a body no domain would accept: it changes nothing
            return False
        return True
