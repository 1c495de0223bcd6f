"""One committed ledger entry, as every projection reads it.

The ledger hands entries out as leaf records — ``read_entries``, ``entries_committed`` and the
``leaf`` of a receipt all carry ``{sequence, entry_id, envelope, signature, ledger_time}`` —
and each projection wants the same few fields of them. ``LedgerEntry`` is that value: frozen,
pure (the credit book, a domain module, folds it too), built from a record or a receipt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from ledger.commands import parse_time


@dataclass(frozen=True)
class LedgerEntry:
    """``version`` is the stream version the entry holds (its envelope's expected version);
    ``ledger_time`` is spelled as the ledger spells it, ``at`` is that time parsed."""

    sequence: int
    entry_id: str
    stream: str
    version: int
    type: str
    signer: str
    body: dict
    ledger_time: str

    @classmethod
    def from_record(cls, record: Mapping) -> LedgerEntry:
        """From a leaf record ``{sequence, entry_id, envelope, ledger_time, …}``."""
        envelope = record["envelope"]
        return cls(
            record["sequence"],
            record["entry_id"],
            envelope["stream"],
            envelope["expected_version"],
            envelope["type"],
            envelope["signer"],
            envelope["body"],
            record["ledger_time"],
        )

    @classmethod
    def from_receipt(cls, receipt: Mapping) -> LedgerEntry:
        """From a full receipt (``append_one``'s answer, or ``expand_receipt``'s)."""
        return cls.from_record({**receipt["leaf"], "entry_id": receipt["entry_id"]})

    @classmethod
    def of(cls, entry: LedgerEntry | Mapping) -> LedgerEntry:
        """The entry itself, or the one a leaf record describes."""
        return entry if isinstance(entry, LedgerEntry) else cls.from_record(entry)

    @cached_property
    def at(self) -> datetime:
        return parse_time(self.ledger_time)

    @property
    def kind(self) -> str:
        """The stream's kind: ``bill`` for ``bill:<package_no>``."""
        return self.stream.partition(":")[0]

    @property
    def key(self) -> str:
        """What the stream names: the package number of ``bill:<package_no>``."""
        return self.stream.partition(":")[2]

    def stamp(self) -> dict:
        """What an event dispatched for this entry carries besides its own fields."""
        return {
            "entry_id": self.entry_id,
            "sequence": self.sequence,
            "ledger_time": self.ledger_time,
        }
