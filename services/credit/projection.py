"""The credit service's copy of the ledger: the entries the credit book reads, stored once each
in sequence order (the projection kit's tracking of the whole log says how far), read back for
a replay; ``admission`` and ``last_before_each`` find a score history's positions.
"""

from __future__ import annotations

from sqlalchemy import func, insert, select

from services.common.projection.entry import LedgerEntry
from services.common.projection.tracking import LOG
from services.credit.domain.history import Position
from services.credit.tables import TRACKING, entries


def stored_size(session) -> int:
    """Every ledger entry below this sequence is taken (stored, if the book reads it)."""
    return TRACKING.version(session, LOG)


def store(session, taken: list[LedgerEntry]) -> None:
    rows = [
        {
            "sequence": entry.sequence,
            "entry_id": entry.entry_id,
            "type": entry.type,
            "stream": entry.stream,
            "stream_version": entry.version,
            "signer": entry.signer,
            "body": entry.body,
            "ledger_time": entry.ledger_time,
        }
        for entry in taken
    ]
    if rows:
        session.execute(insert(entries), rows)


def stored_records(session, start: int, stop: int) -> list[LedgerEntry]:
    """Stored entries with ``start <= sequence < stop``, in order."""
    rows = session.execute(
        select(entries)
        .where(entries.c.sequence >= start, entries.c.sequence < stop)
        .order_by(entries.c.sequence)
    )
    return [
        LedgerEntry(
            row.sequence,
            row.entry_id,
            row.stream,
            row.stream_version,
            row.type,
            row.signer,
            row.body,
            row.ledger_time,
        )  # fmt: skip
        for row in rows
    ]


def admission(session, party: str) -> Position | None:
    """Where the party was admitted (version 0 of its ``party:`` stream)."""
    row = session.execute(
        select(entries.c.sequence, entries.c.ledger_time)
        .where(entries.c.stream == f"party:{party}", entries.c.type == "party.admit")
        .order_by(entries.c.sequence)
        .limit(1)
    ).first()
    return Position(row.sequence, row.ledger_time) if row else None


def last_before_each(session, moments: list[str], since: int, below: int) -> list[Position | None]:
    """For each moment, the last stored entry with sequence in ``[since, below)`` and ledger
    time before the moment (``None`` if there is none), in one scan of that range. Ledger
    times never go back, and both sides spell UTC alike, so text order is time order."""
    if not moments:
        return []
    latest = [func.max(entries.c.sequence).filter(entries.c.ledger_time < m) for m in moments]
    in_range = (entries.c.sequence >= since, entries.c.sequence < below)
    found = list(session.execute(select(*latest).where(*in_range)).one())
    times = dict(
        session.execute(
            select(entries.c.sequence, entries.c.ledger_time).where(
                entries.c.sequence.in_([s for s in found if s is not None])
            )
        ).all()
    )
    return [None if s is None else Position(s, times[s]) for s in found]
