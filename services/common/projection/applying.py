"""Applying entries in one transaction: the kit's core, shared by live projection and rebuild.

For each entry that is next on its stream (or log), the service's ``Applier`` decides it and
writes (or collects) its rows; the kit records it with the tracking and adds its messages to
the outbox — all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Table, text

from services.common.errors import PlatformError
from services.common.projection.entry import LedgerEntry
from services.common.projection.outbox import Message, Outbox
from services.common.projection.tracking import Position, Tracking


@dataclass(frozen=True)
class Outcome:
    """What applying one entry decided: the domain's events, the messages to dispatch for
    them (``(name, payload)``), or the domain's refusal (the entry changed nothing)."""

    events: tuple = ()
    messages: tuple[tuple[str, dict], ...] = ()
    refusal: PlatformError | None = None


@dataclass(frozen=True)
class Applied:
    entry: LedgerEntry
    outcome: Outcome


class Applier(Protocol):
    """A service's own part: which streams it follows, and what an entry does to its rows."""

    def follows(self, stream: str) -> bool: ...

    def apply(self, session, entry: LedgerEntry) -> Outcome:
        """Decide ``entry`` (it is next on its stream) and write, or collect, its rows."""

    def flush(self, session) -> list[Message]:
        """Write what ``apply`` collected; messages that belong to no single entry."""


@dataclass
class Done:
    applied: list[Applied] = field(default_factory=list)
    messages: int = 0


def apply_in(session, tracking: Tracking, outbox: Outbox | None, applier, entries) -> Done:
    """Apply ``entries`` (at most one per stream, or a run of the log) in ``session``'s
    transaction; skip what was taken; ``StreamGap`` for one ahead. No outbox: publish nothing."""
    ordered = sorted(entries, key=lambda entry: entry.sequence)
    keys = [tracking.key(entry) for entry in ordered]
    if not tracking.whole_log and len(set(keys)) != len(keys):
        raise ValueError("one transaction takes at most one entry per stream")
    positions = tracking.read(session, sorted(set(keys)), lock=True)
    moves, messages, done = tracking.moves(), [], Done()
    for key, entry in zip(keys, ordered, strict=True):
        if not tracking.is_next(entry, positions[key]):
            continue
        outcome = applier.apply(session, entry)
        moves.take(entry, outcome.refusal)
        positions[key] = Position(tracking.place(entry) + 1, entry.sequence)
        messages += [(entry.sequence, name, payload) for name, payload in outcome.messages]
        done.applied.append(Applied(entry, outcome))
    moves.flush(session)
    messages += applier.flush(session)
    if outbox is not None:
        done.messages = outbox.add(session, messages)
    return done


def rebuild(session, tracking: Tracking, applier, tables: Iterable[Table], entries) -> int:
    """Empty ``tables`` (the projection's own and its tracking, never the outbox) and apply
    ``entries`` (the ledger's, in sequence order) in ``session``'s transaction, dispatching
    nothing. TRUNCATE takes an exclusive lock: live appliers wait, then skip what it took."""
    names = ", ".join(f'{table.schema}."{table.name}"' for table in tables)
    session.execute(text(f"TRUNCATE {names}"))
    count = 0
    for entry in entries:
        if applier.follows(entry.stream):
            apply_in(session, tracking, None, applier, [entry])
            count += 1
    return count
