"""What the invoices service keeps beside the ledger's facts: how far the sweep found every
entry handled, and how long each command took to its committed answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as upsert

from services.common.projection.entry import LedgerEntry
from services.invoices import tables as models


def record_decision_time(session, entry: LedgerEntry, decision_ms: float, now: datetime) -> None:
    """Keep how long the command took from arrival to its committed answer."""
    row = {"entry_id": entry.entry_id, "stream": entry.stream, "type": entry.type}
    statement = upsert(models.decision_times).values(
        **row, decision_ms=decision_ms, measured_at=now
    )
    session.execute(statement.on_conflict_do_nothing(index_elements=["entry_id"]))


def sweep_mark(session, prefix: str) -> int:
    """The sequence up to which every entry on ``prefix`` streams was handled (-1: none)."""
    table = models.sweep_marks
    mark = session.scalar(select(table.c.sequence).where(table.c.prefix == prefix))
    return -1 if mark is None else mark


def set_sweep_mark(session, prefix: str, sequence: int) -> None:
    statement = upsert(models.sweep_marks).values(prefix=prefix, sequence=sequence)
    changed = {"sequence": func.greatest(models.sweep_marks.c.sequence, sequence)}
    session.execute(statement.on_conflict_do_update(index_elements=["prefix"], set_=changed))
