"""Appending a world to a ledger through any ``append`` callable.

``append(wires)`` takes a list of signed commands in wire form and returns the ledger's
answer to ``append`` (``{"verdicts": [...]}``) or the list of verdicts itself — so the same
writer drives the ledger service over RPC, the direct path, or a load test's client.

The world spans months while the ledger accepts a command only within its time window of
ledger time; ``set_clock(moment)`` (the injected clock of tests and demos) is called before
each day's batch. Re-writing a world is harmless: identical commands return their original
receipts (``duplicate``), and that is counted, not refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import groupby

from ledger.commands import parse_time


class WorldWriteError(Exception):
    """Raised when the ledger refuses a world command (the first refusal is named)."""

    def __init__(self, command, error: dict):
        super().__init__(f"{command.type} on {command.stream} refused: {error}")
        self.command = command
        self.error = error


@dataclass
class WriteSummary:
    appended: int = 0
    duplicates: int = 0
    batches: int = 0


def write_world(
    world,
    append: Callable[[list], object],
    *,
    operator_id: str,
    operator_key,
    set_clock: Callable | None = None,
    batch_size: int = 500,
    progress: Callable[[int, int], None] | None = None,
) -> WriteSummary:
    """Admit the world's parties (signed by the ledger's operator), then append every command
    in order, one day at a time; raise ``WorldWriteError`` at the first refusal."""
    summary = WriteSummary()
    admissions = world.admissions(operator_id, operator_key)
    total = len(admissions) + len(world.commands)
    done = 0
    # admissions go first and alone: the ledger checks signatures against keys it already has
    for batch in [*_batches(admissions, batch_size), *_batches(world.commands, batch_size)]:
        if set_clock is not None:
            set_clock(parse_time(batch[0].created_at))
        _append(append, batch, summary)
        done += len(batch)
        if progress:
            progress(done, total)
    return summary


def _batches(commands, size: int) -> Iterable[list]:
    for _day, group in groupby(commands, key=lambda command: command.created_at[:10]):
        day = list(group)
        for start in range(0, len(day), size):
            yield day[start : start + size]


def _append(append, batch: list, summary: WriteSummary) -> None:
    answer = append([command.to_wire() for command in batch])
    verdicts = answer["verdicts"] if isinstance(answer, dict) else answer
    for command, verdict in zip(batch, verdicts, strict=True):
        if not verdict.get("ok"):
            raise WorldWriteError(command, verdict.get("error", {}))
        if verdict.get("duplicate"):
            summary.duplicates += 1
        else:
            summary.appended += 1
    summary.batches += 1
