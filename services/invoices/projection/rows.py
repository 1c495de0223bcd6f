"""Storing what an entry decided: its events, and the query rows upserted from the evolved
aggregate (lists, the cross-bank registry's claims, the three-flow status)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.dialects.postgresql import insert as upsert

from services.common.projection.entry import LedgerEntry
from services.invoices import tables as models
from services.invoices.domain import Event, evolve, match
from services.invoices.projection.streams import kind_of


def store(reading, entry: LedgerEntry, state: Any, events: list[Event]) -> Any:
    """Store ``events`` decided for ``entry`` on ``state``; return the new state."""
    rows = []
    for position, event in enumerate(events):
        state = evolve(state, event)
        rows.append(_event_row(entry, position, event))
    if rows:
        reading.session.execute(insert(models.events), rows)
    if state is not None:
        WRITERS[kind_of(entry.stream)](reading, state, entry)
    return state


def _upsert(session, table, row: dict, *key: str) -> None:
    statement = upsert(table).values(row)
    changed = {name: statement.excluded[name] for name in row if name not in key}
    session.execute(statement.on_conflict_do_update(index_elements=key, set_=changed))


def _replace(session, table, where, rows: list[dict]) -> None:
    session.execute(delete(table).where(where))
    if rows:
        session.execute(insert(table), rows)


def write_invoice(reading, invoice, entry: LedgerEntry) -> None:
    row = {**models.invoice_row(invoice), **_position(entry)}
    _upsert(reading.session, models.invoices, row, "number")
    where = models.claims.c.number == invoice.number
    _replace(reading.session, models.claims, where, models.claim_rows(invoice))
    if invoice.trade_id:
        _refresh_match(reading, invoice.trade_id)


def write_trade(reading, trade, entry: LedgerEntry) -> None:
    result = match(trade, reading.records.invoices_of_trade(trade.trade_id))
    row = {**models.trade_row(trade), "match_status": result.status, **_position(entry)}
    _upsert(reading.session, models.trades, row, "trade_id")


def _refresh_match(reading, trade_id: str) -> None:
    trade = reading.records.trade(trade_id)
    if trade is not None:
        result = match(trade, reading.records.invoices_of_trade(trade_id))
        table = models.trades
        where = table.c.trade_id == trade_id
        reading.session.execute(update(table).where(where).values(match_status=result.status))


def write_consent(reading, consent, entry: LedgerEntry) -> None:
    where = models.consents.c.sme == consent.sme
    _replace(reading.session, models.consents, where, models.consent_rows(consent))


def write_financing(reading, financing, entry: LedgerEntry) -> None:
    row = {**models.financing_row(financing), **_position(entry)}
    _upsert(reading.session, models.financings, row, "financing_id")


WRITERS = {
    "invoice": write_invoice,
    "trade": write_trade,
    "consent": write_consent,
    "financing": write_financing,
}


def _position(entry: LedgerEntry) -> dict:
    return {"version": entry.version + 1, "updated_sequence": entry.sequence}


def _event_row(entry: LedgerEntry, position: int, event: Event) -> dict:
    return {
        "sequence": entry.sequence,
        "position": position,
        "entry_id": entry.entry_id,
        "stream": entry.stream,
        "stream_version": entry.version,
        "name": event.name,
        "ledger_time": entry.at,
        "payload": event.to_dict(),
    }
