"""The invoices rules on one ledger entry, for the projection kit: decide it again at its
ledger time (and the credit limit before it), store its events and query rows. An entry the
domain refuses (appended around this service) is recorded as refused by the kit: its version
is used all the same."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.common.errors import CommandRejected, PlatformError
from services.common.projection.applying import Outcome
from services.common.projection.entry import LedgerEntry
from services.invoices.domain import Context, decide, parse_command
from services.invoices.projection.reading import Reading
from services.invoices.projection.rows import store
from services.invoices.projection.streams import kind_of, require_stream


def no_credit_limit(party: str, tree_size: int) -> None:
    """The credit lookup of a deployment without the credit service: no limit applies."""
    return None


@dataclass(frozen=True)
class Lookups:
    """Lookups for decisions: party records from the ledger, and ``credit_limit_at(party,
    tree_size)`` → the party's credit limit (fen) computed from the ledger's first
    ``tree_size`` entries, or ``None`` when no limit applies."""

    party_kind: Callable[[str], str | None]
    credit_code_of: Callable[[str], str | None]
    credit_limit_at: Callable[[str, int], int | None] = no_credit_limit

    def context(self, now: datetime, records: Any) -> Context:
        return Context(now, self.party_kind, self.credit_code_of, records)


class InvoicesApplier:
    def __init__(self, lookups: Lookups):
        self.lookups = lookups

    def follows(self, stream: str) -> bool:
        return kind_of(stream) is not None

    def apply(self, session, entry: LedgerEntry) -> Outcome:
        reading = Reading(session, self.lookups)
        state = reading.state(entry.stream)
        try:
            command = parse_command(entry.type, entry.signer, entry.body)
            require_stream(command, entry.stream)
            context = self.lookups.context(entry.at, reading.records.at(entry.sequence))
            events = decide(state, command, context)
        except CommandRejected:  # a remote lookup failed: not the domain's answer
            raise
        except PlatformError as refusal:
            return Outcome(refusal=refusal)
        store(reading, entry, state, events)
        messages = tuple((event.name, {**event.to_dict(), **entry.stamp()}) for event in events)
        return Outcome(tuple(events), messages)

    def flush(self, session) -> list:
        return []
