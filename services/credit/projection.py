"""Taking ledger entries into the credit tables, exactly once each, in sequence order.

``ingest(session, records)`` locks the cursor row, keeps the records from the cursor on (an
event delivered twice, or overlapping a catch-up read, changes nothing), stores those the
credit book reads and moves the cursor — one transaction. Records that start past the cursor
raise ``SequenceGap`` with the first sequence missing; the service reads the gap from the
ledger and ingests it first. ``stored_records`` reads them back for a replay; ``admission``
and ``last_before_each`` find a score history's positions.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from services.common.projection.entry import LedgerEntry
from services.credit.domain.book import is_relevant
from services.credit.domain.history import Position
from services.credit.tables import cursor, entries


class SequenceGap(Exception):
    def __init__(self, missing_from: int):
        super().__init__(f"ledger entries from sequence {missing_from} were not ingested")
        self.missing_from = missing_from


@dataclass(frozen=True)
class Cursor:
    next_sequence: int
    last_ledger_time: str | None


def read_cursor(session) -> Cursor:
    row = session.execute(select(cursor).where(cursor.c.id == 1)).one()
    return Cursor(row.next_sequence, row.last_ledger_time)


def ingest(session, records: list[dict]) -> list[dict]:
    """Store the new records; return them (all of them, relevant or not) in order."""
    row = session.execute(select(cursor).where(cursor.c.id == 1).with_for_update()).one()
    fresh = sorted(
        (r for r in records if r["sequence"] >= row.next_sequence), key=lambda r: r["sequence"]
    )
    if not fresh:
        return []
    expected = row.next_sequence
    for record in fresh:
        if record["sequence"] != expected:
            raise SequenceGap(expected)
        expected += 1
    rows = [_row(record) for record in fresh if is_relevant(LedgerEntry.from_record(record))]
    if rows:
        session.execute(insert(entries).on_conflict_do_nothing(), rows)
    session.execute(
        update(cursor)
        .where(cursor.c.id == 1)
        .values(next_sequence=expected, last_ledger_time=fresh[-1]["ledger_time"])
    )
    return fresh


def _row(record: dict) -> dict:
    envelope = record["envelope"]
    return {
        "sequence": record["sequence"],
        "entry_id": record["entry_id"],
        "type": envelope["type"],
        "stream": envelope["stream"],
        "signer": envelope["signer"],
        "body": envelope["body"],
        "ledger_time": record["ledger_time"],
    }


def stored_records(session, start: int, stop: int) -> list[dict]:
    """Stored entries with ``start <= sequence < stop``, as ledger records, in order."""
    rows = session.execute(
        select(entries)
        .where(entries.c.sequence >= start, entries.c.sequence < stop)
        .order_by(entries.c.sequence)
    )
    return [
        {
            "sequence": row.sequence,
            "entry_id": row.entry_id,
            "envelope": {
                "type": row.type,
                "stream": row.stream,
                "signer": row.signer,
                "body": row.body,
            },
            "ledger_time": row.ledger_time,
        }
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
