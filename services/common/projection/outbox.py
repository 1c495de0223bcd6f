"""The transactional outbox: events are written with the projection that decided them, and
dispatched after it committed.

A projection's transaction adds its events to the ``outbox`` table; once it has committed, the
worker relays them (``relay``: claim, dispatch, delete, commit). A crash in between loses
nothing: the rows wait in the table, and the relay timer (each service's
``<SERVICE>_OUTBOX_SECONDS``) sends them later. Delivery is at least once — a crash after
dispatching and before the delete commits sends an event again — so subscribers handle events
idempotently (each carries its ledger entry id). Nothing is written to the outbox but what a
ledger entry's projection decided, so nothing is dispatched that the ledger has not committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import BigInteger, Column, Identity, MetaData, Table, Text, delete, insert, select
from sqlalchemy.dialects.postgresql import JSONB

Message = tuple[int, str, dict]  # (ledger sequence it comes from, event name, payload)
CLAIM = 500  # events a relay claims at once


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("sequence", BigInteger, nullable=False),
        Column("event", Text, nullable=False),
        Column("payload", JSONB, nullable=False),
    )


class Outbox:
    def __init__(self, table: Table):
        self.table = table

    def add(self, session, messages: Iterable[Message]) -> int:
        rows = [{"sequence": s, "event": event, "payload": p} for s, event, p in messages]
        if rows:
            session.execute(insert(self.table), rows)
        return len(rows)

    def take(self, session, limit: int = CLAIM) -> list[tuple[str, dict]]:
        """Claim committed, undispatched events (oldest first); they are gone when ``session``
        commits, and back for the next taker if it rolls back (so dispatch before committing).
        Rows another relay holds are skipped, not waited for."""
        table = self.table
        claimed = (
            select(table.c.id)
            .order_by(table.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        returned = table.c.id, table.c.event, table.c.payload
        rows = session.execute(delete(table).where(table.c.id.in_(claimed)).returning(*returned))
        return [(row.event, row.payload) for row in sorted(rows, key=lambda row: row.id)]

    def relay(self, db, dispatch: Callable[[str, dict], None]) -> int:
        """Dispatch what is waiting, in order, until nothing is; returns how many."""
        sent = 0
        while True:
            with db.transaction() as session:
                claimed = self.take(session)
                for event, payload in claimed:
                    dispatch(event, payload)
            sent += len(claimed)
            if len(claimed) < CLAIM:
                return sent
