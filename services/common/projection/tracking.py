"""Tracking: which ledger entries a projection has taken, written in its own transaction.

As the eventsourcing library's ``Tracking`` records the position of a process application in
its upstream log together with the new state, a projection here moves its position in the
transaction that stores what the entry changed, so an entry is taken entirely or not at all,
and never twice, whoever delivers it (the submit that appended it, the ledger's event, a
catch-up read, a replica elsewhere).

Two ways to follow the ledger, one table shape (``positions``: key, version, last sequence):

- **per stream** (bills, invoices: ``Tracking(positions, processed)``): one row per stream,
  the key its name and the version the next entry on it must hold; ``processed_entries``
  keeps one row per entry taken, with the domain's refusal when it changed nothing (an entry
  appended around the service still holds its stream version).
- **the whole log** (credit: ``Tracking(positions)``): one row, key ``LOG``, the version the
  next ledger sequence.

An entry is *taken* below the position, *next* at it, and *ahead* past it: ``StreamGap``, and
the projection reads what is missing from the ledger first. The position's row is locked
(``FOR UPDATE``, rows in one order), so one worker at a time moves a stream.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.common.errors import PlatformError
from services.common.projection.entry import LedgerEntry

LOG = "*"  # the key of a projection that follows every entry in sequence order


def position_table(metadata: MetaData) -> Table:
    return Table(
        "positions",
        metadata,
        Column("stream", Text, primary_key=True),
        Column("version", Integer, nullable=False),
        Column("last_sequence", BigInteger, nullable=False),
    )


def processed_table(metadata: MetaData) -> Table:
    return Table(
        "processed_entries",
        metadata,
        Column("sequence", BigInteger, primary_key=True, autoincrement=False),
        Column("entry_id", Text, nullable=False, unique=True),
        Column("stream", Text, nullable=False),
        Column("stream_version", Integer, nullable=False),
        Column("type", Text, nullable=False),
        Column("signer", Text, nullable=False),
        Column("ledger_time", DateTime(timezone=True), nullable=False),
        Column("refusal_code", Text),
        Column("refusal_message", Text),
        UniqueConstraint("stream", "stream_version", name="one_entry_per_stream_version"),
    )


@dataclass(frozen=True)
class Position:
    version: int  # what the next entry must hold: a stream version, or a ledger sequence
    last_sequence: int  # the last entry taken (-1: none)


START = Position(0, -1)


class StreamGap(Exception):
    """An entry is ahead of what the projection took on its stream (or of its log)."""

    def __init__(self, key: str, position: Position, found: int):
        super().__init__(f"{key}: at {position.version}, got {found}")
        self.key, self.position = key, position


class Tracking:
    def __init__(self, positions: Table, processed: Table | None = None):
        self.positions, self.processed = positions, processed

    @property
    def tables(self) -> tuple[Table, ...]:
        return (self.positions,) if self.processed is None else (self.positions, self.processed)

    @property
    def whole_log(self) -> bool:
        return self.processed is None

    def key(self, entry: LedgerEntry) -> str:
        return LOG if self.whole_log else entry.stream

    def place(self, entry: LedgerEntry) -> int:
        return entry.sequence if self.whole_log else entry.version

    def is_next(self, entry: LedgerEntry, position: Position) -> bool:
        """``True`` if the entry is next, ``False`` if it was taken; ``StreamGap`` if ahead."""
        place = self.place(entry)
        if place > position.version:
            raise StreamGap(self.key(entry), position, place)
        return place == position.version

    def read(self, session, keys: list[str], lock: bool = False) -> dict[str, Position]:
        """Each key's position (``START`` if none); with ``lock``, rows locked for the
        transaction, in key order so that two transactions never wait on each other in a
        circle."""
        table = self.positions
        query = select(table.c.stream, table.c.version, table.c.last_sequence)
        query = query.where(table.c.stream.in_(keys)).order_by(table.c.stream)
        if lock:
            query = query.with_for_update()
        found = {
            row.stream: Position(row.version, row.last_sequence) for row in session.execute(query)
        }
        missing = [key for key in keys if key not in found]
        if lock and missing:
            rows = [{"stream": key, "version": 0, "last_sequence": -1} for key in missing]
            session.execute(pg_insert(table).values(rows).on_conflict_do_nothing())
            locked = session.execute(query.where(table.c.stream.in_(missing)))
            found |= {row.stream: Position(row.version, row.last_sequence) for row in locked}
        return {key: found.get(key, START) for key in keys}

    def version(self, session, key: str) -> int:
        return self.read(session, [key])[key].version

    def taken(self, session, entry_ids: list[str]) -> set[str]:
        """Which of these entries the projection has taken (per-stream tracking)."""
        column = self.processed.c.entry_id
        return set(session.scalars(select(column).where(column.in_(entry_ids))))

    def untaken(self, session, records: list[dict]) -> list[dict]:
        """The leaf records of entries not taken yet."""
        if self.whole_log:
            start = self.read(session, [LOG])[LOG].version
            return [record for record in records if record["sequence"] >= start]
        taken = self.taken(session, [record["entry_id"] for record in records])
        return [record for record in records if record["entry_id"] not in taken]

    def moves(self) -> Moves:
        return Moves(self)


class Moves:
    """The tracking rows of entries taken in one transaction, written together by ``flush``."""

    def __init__(self, tracking: Tracking):
        self.tracking = tracking
        self.processed: list[dict] = []
        self.positions: dict[str, dict] = {}

    def take(self, entry: LedgerEntry, refusal: PlatformError | None = None) -> None:
        key, place = self.tracking.key(entry), self.tracking.place(entry)
        self.positions[key] = {"key": key, "version": place + 1, "last_sequence": entry.sequence}
        if self.tracking.processed is not None:
            self.processed.append(_processed_row(entry, refusal))

    def flush(self, session) -> None:
        if self.processed:
            session.execute(insert(self.tracking.processed), self.processed)
        if self.positions:
            table = self.tracking.positions
            moved = (
                update(table)
                .where(table.c.stream == bindparam("key"))
                .values(version=bindparam("version"), last_sequence=bindparam("last_sequence"))
            )
            session.connection().execute(moved, list(self.positions.values()))
        self.processed, self.positions = [], {}


def _processed_row(entry: LedgerEntry, refusal: PlatformError | None) -> dict:
    return {
        "sequence": entry.sequence,
        "entry_id": entry.entry_id,
        "stream": entry.stream,
        "stream_version": entry.version,
        "type": entry.type,
        "signer": entry.signer,
        "ledger_time": entry.at,
        "refusal_code": refusal.code if refusal else None,
        "refusal_message": refusal.message if refusal else None,
    }
