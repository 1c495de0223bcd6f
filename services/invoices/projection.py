"""Applying ledger entries to the invoices projection so that it always equals a replay of the
ledger's invoices streams in global sequence order.

Aggregates are loaded by replaying their stored events; query rows (``models``) are upserted
from the evolved state in the same transaction as the events and the ``processed_entries``
row, so an entry is applied entirely or not at all, and never twice.

Locks (PostgreSQL transaction advisory locks, so they hold across replicas): a command on one
stream takes the platform-wide lock *shared* and its stream's lock *exclusive*; a command whose
decision reads other streams through ``Records`` (financing) takes the platform-wide lock
*exclusive*, so it sees exactly the entries ordered before it on the ledger — the same
records a replay in global order presents. A rebuild takes it exclusive too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as upsert

from ledger.commands import format_time, parse_time
from services.common.errors import Conflict, PlatformError, ValidationFailed
from services.invoices import tables as models
from services.invoices.domain import (
    AGGREGATES,
    Context,
    Event,
    TypedCommand,
    decide,
    event_from_dict,
    evolve,
    match,
    parse_command,
    replay,
)
from services.invoices.domain.financing import APPROVED, DISBURSED, ELIGIBLE

GLOBAL_LOCK = (0x494E56, 0)  # "INV"
STREAM_LOCK_SPACE = 0x494E57
CROSS_STREAM_KINDS = frozenset({"financing"})  # their decisions read other streams
PREFIXES = tuple(f"{kind}:" for kind in AGGREGATES)
APPLIED, REFUSED = "applied", "refused"
OPEN_FINANCINGS = (ELIGIBLE, APPROVED, DISBURSED)  # they use the applicant's credit

ReadStream = Callable[[str, int], Iterable[dict]]  # (stream, after sequence) → ledger records


def kind_of(stream: object) -> str | None:
    """``"invoice"`` for ``invoice:<number>`` …; ``None`` for streams of other services."""
    kind, _, key = stream.partition(":") if isinstance(stream, str) else ("", "", "")
    return kind if kind in AGGREGATES and key else None


def require_stream(command: TypedCommand, stream: str) -> None:
    if command.stream != stream:
        raise ValidationFailed(
            f"{command.TYPE} belongs on {command.stream}",
            {"stream": stream, "expected_stream": command.stream},
            code="COMMAND_WRONG_STREAM",
        )


@dataclass(frozen=True)
class Entry:
    """A ledger entry on an invoices stream, as the projection records it."""

    sequence: int
    entry_id: str
    stream: str
    stream_version: int
    type: str
    signer: str
    body: dict
    ledger_time: datetime

    @classmethod
    def from_record(cls, record: dict, entry_id: str | None = None) -> Entry:
        """From a leaf record ``{sequence, envelope, ledger_time, entry_id?}``."""
        envelope = record["envelope"]
        return cls(
            record["sequence"],
            entry_id or record["entry_id"],
            envelope["stream"],
            envelope["expected_version"],
            envelope["type"],
            envelope["signer"],
            envelope["body"],
            parse_time(record["ledger_time"]),
        )

    @classmethod
    def from_receipt(cls, receipt: dict) -> Entry:
        return cls.from_record(receipt["leaf"], receipt["entry_id"])

    def stamp(self) -> dict:
        """What every dispatched event carries besides its own fields."""
        stamp = {"entry_id": self.entry_id, "sequence": self.sequence}
        return {**stamp, "ledger_time": format_time(self.ledger_time)}


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


class ProjectionRecords:
    """The domain's ``Records`` over the projection, inside the caller's transaction.

    ``at(sequence)`` binds them to the entry being decided: its credit limit is the one the
    credit service computes from the entries before it, so a replay decides the same."""

    def __init__(self, projection: Projection, sequence: int | None = None):
        self._projection = projection
        self._sequence = sequence

    def at(self, sequence: int) -> ProjectionRecords:
        return ProjectionRecords(self._projection, sequence)

    def invoice(self, number: str):
        return self._projection.state(f"invoice:{number}")

    def trade(self, trade_id: str):
        return self._projection.state(f"trade:{trade_id}")

    def invoices_of_trade(self, trade_id: str) -> list:
        table = models.invoices
        query = select(table.c.number).where(table.c.trade_id == trade_id).order_by(table.c.number)
        return [self.invoice(number) for number in self._projection.session.scalars(query)]

    def consent(self, sme: str):
        return self._projection.state(f"consent:{sme}")

    def available_credit_fen(self, sme: str, bank: str) -> int | None:
        """The SME's credit limit less what it already owes or has asked for, across banks:
        applications still open (eligible, approved, disbursed) count at their unpaid amount.
        ``None`` (no limit) before an entry is bound, or where the credit service is absent."""
        if self._sequence is None:
            return None
        limit = self._projection.lookups.credit_limit_at(sme, self._sequence)
        if limit is None:
            return None
        table = models.financings
        owed = func.coalesce(func.sum(table.c.amount_fen - table.c.repaid_fen), 0)
        query = select(owed).where(table.c.applicant == sme, table.c.status.in_(OPEN_FINANCINGS))
        return max(0, limit - int(self._projection.session.scalar(query)))


class Projection:
    def __init__(self, session, lookups: Lookups):
        self.session = session
        self.lookups = lookups
        self.records = ProjectionRecords(self)

    # -- locks and versions ----------------------------------------------------------------

    def lock(self, stream: str) -> None:
        if kind_of(stream) in CROSS_STREAM_KINDS:
            return self.lock_all()
        self.session.execute(select(func.pg_advisory_xact_lock_shared(*GLOBAL_LOCK)))
        stream_key = func.hashtext(stream)
        self.session.execute(select(func.pg_advisory_xact_lock(STREAM_LOCK_SPACE, stream_key)))

    def lock_all(self) -> None:
        self.session.execute(select(func.pg_advisory_xact_lock(*GLOBAL_LOCK)))

    def _stream(self, stream: str):
        table = models.streams
        return self.session.execute(select(table).where(table.c.stream == stream)).first()

    def version(self, stream: str) -> int:
        row = self._stream(stream)
        return row.version if row else 0

    def require_version(self, stream: str, expected: int) -> None:
        current = self.version(stream)
        if expected != current:
            raise Conflict(
                "another entry already holds this stream version",
                {"stream": stream, "expected_version": expected, "current_version": current},
                code="STREAM_VERSION_CONFLICT",
            )

    def processed(self, entry_id: str) -> bool:
        table = models.processed_entries
        query = select(table.c.sequence).where(table.c.entry_id == entry_id)
        return self.session.scalar(query) is not None

    def state(self, stream: str) -> Any:
        """The aggregate on ``stream`` (``None`` if empty), replayed from its stored events."""
        table = models.events
        payloads = self.session.scalars(
            select(table.c.payload)
            .where(table.c.stream == stream)
            .order_by(table.c.sequence, table.c.position)
        )
        return replay(event_from_dict(payload) for payload in payloads)

    # -- applying entries ------------------------------------------------------------------

    def record(self, entry: Entry, state: Any, events: list[Event]) -> Any:
        """Store ``events`` decided for ``entry`` on ``state``; return the new state."""
        rows = []
        for position, event in enumerate(events):
            state = evolve(state, event)
            rows.append(_event_row(entry, position, event))
        if rows:
            self.session.execute(insert(models.events), rows)
        self._processed(entry, APPLIED)
        if state is not None:
            _WRITERS[kind_of(entry.stream)](self, state, entry)
        return state

    def apply(self, entry: Entry) -> list[Event]:
        """Decide ``entry`` again at its ledger time and record it. An entry the domain refuses
        (appended around this service) is recorded as refused: its version is used all the same."""
        state = self.state(entry.stream)
        try:
            command = parse_command(entry.type, entry.signer, entry.body)
            require_stream(command, entry.stream)
            context = self.lookups.context(entry.ledger_time, self.records.at(entry.sequence))
            events = decide(state, command, context)
        except PlatformError as refusal:
            self._processed(entry, REFUSED, refusal.code)
            return []
        self.record(entry, state, events)
        return events

    def heal(self, entry: Entry, read_stream: ReadStream) -> list[tuple[Entry, list[Event]]]:
        """Apply ``entry`` if it is the stream's next; after a gap, fetch what is missing."""
        version = self.version(entry.stream)
        if entry.stream_version < version:
            return []
        if entry.stream_version == version:
            return [(entry, self.apply(entry))]
        return self.catch_up(entry.stream, read_stream)

    def catch_up(self, stream: str, read_stream: ReadStream) -> list[tuple[Entry, list[Event]]]:
        """Apply, in order, every entry of ``stream`` on the ledger not yet in the projection."""
        row = self._stream(stream)
        version, after = (row.version, row.last_sequence) if row else (0, -1)
        applied = []
        for record in read_stream(stream, after):
            entry = Entry.from_record(record)
            if entry.stream != stream or entry.stream_version != version:
                continue
            applied.append((entry, self.apply(entry)))
            version += 1
        return applied

    def _processed(self, entry: Entry, outcome: str, refusal_code: str | None = None) -> None:
        self.session.execute(
            insert(models.processed_entries).values(
                sequence=entry.sequence,
                entry_id=entry.entry_id,
                stream=entry.stream,
                stream_version=entry.stream_version,
                type=entry.type,
                signer=entry.signer,
                ledger_time=entry.ledger_time,
                outcome=outcome,
                refusal_code=refusal_code,
            )
        )
        position = {"version": entry.stream_version + 1, "last_sequence": entry.sequence}
        row = {"stream": entry.stream, "kind": kind_of(entry.stream), **position}
        self._upsert(models.streams, row, "stream")

    # -- query rows ------------------------------------------------------------------------

    def _upsert(self, table, row: dict, *key: str) -> None:
        statement = upsert(table).values(row)
        changed = {name: statement.excluded[name] for name in row if name not in key}
        self.session.execute(statement.on_conflict_do_update(index_elements=key, set_=changed))

    def _replace(self, table, where, rows: list[dict]) -> None:
        self.session.execute(delete(table).where(where))
        if rows:
            self.session.execute(insert(table), rows)

    def _write_invoice(self, invoice, entry: Entry) -> None:
        self._upsert(models.invoices, {**models.invoice_row(invoice), **_position(entry)}, "number")
        where = models.claims.c.number == invoice.number
        self._replace(models.claims, where, models.claim_rows(invoice))
        if invoice.trade_id:
            self._refresh_match(invoice.trade_id)

    def _write_trade(self, trade, entry: Entry) -> None:
        result = match(trade, self.records.invoices_of_trade(trade.trade_id))
        row = {**models.trade_row(trade), "match_status": result.status, **_position(entry)}
        self._upsert(models.trades, row, "trade_id")

    def _refresh_match(self, trade_id: str) -> None:
        trade = self.records.trade(trade_id)
        if trade is not None:
            result = match(trade, self.records.invoices_of_trade(trade_id))
            table = models.trades
            where = table.c.trade_id == trade_id
            self.session.execute(update(table).where(where).values(match_status=result.status))

    def _write_consent(self, consent, entry: Entry) -> None:
        where = models.consents.c.sme == consent.sme
        self._replace(models.consents, where, models.consent_rows(consent))

    def _write_financing(self, financing, entry: Entry) -> None:
        row = {**models.financing_row(financing), **_position(entry)}
        self._upsert(models.financings, row, "financing_id")


_WRITERS = {
    "invoice": Projection._write_invoice,
    "trade": Projection._write_trade,
    "consent": Projection._write_consent,
    "financing": Projection._write_financing,
}


def _position(entry: Entry) -> dict:
    return {"version": entry.stream_version + 1, "updated_sequence": entry.sequence}


def _event_row(entry: Entry, position: int, event: Event) -> dict:
    return {
        "sequence": entry.sequence,
        "position": position,
        "entry_id": entry.entry_id,
        "stream": entry.stream,
        "stream_version": entry.stream_version,
        "name": event.name,
        "ledger_time": entry.ledger_time,
        "payload": event.to_dict(),
    }


def record_decision_time(session, entry: Entry, decision_ms: float, now: datetime) -> None:
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
