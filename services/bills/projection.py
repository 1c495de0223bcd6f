"""Projecting the ledger's ``bill:<package_no>`` streams into the bills tables.

One function applies one ledger entry, whoever calls it — ``submit`` after its own append, the
``entries_committed`` handler (healing after a crash, entries that others appended straight to
the ledger) and ``rebuild``: re-run ``decide`` with the entry's ledger time as ``now`` (the
ledger's clock decides, not the caller's), ``evolve`` the events, write the rows, all in the
caller's transaction. The stream's ``processed`` row is locked first, so one (stream, version)
is applied exactly once; an entry ahead of the applied version raises ``StreamGap`` and the
caller fetches the missing entries from the ledger first (``project`` does).

An entry the domain refuses (possible only for an entry that bypassed this service) still
holds its stream version: it is recorded with its refusal code and changes no state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ledger.commands import parse_time
from services.bills import domain
from services.bills.domain import Bill, BillCommand, BillEvent, Context
from services.bills.errors import BillFieldInvalid
from services.bills.models import (
    PROJECTION_TABLES,
    SCHEMA,
    bills,
    entries,
    history,
    outbox,
    processed,
    sub_ranges,
)
from services.common.errors import CommandRejected, PlatformError

log = logging.getLogger(__name__)
BILL_STREAM = "bill:"


def is_bill_stream(stream) -> bool:
    return isinstance(stream, str) and stream.startswith(BILL_STREAM)


def stream_of(package_no: str) -> str:
    return f"{BILL_STREAM}{package_no}"


def package_of(stream: str) -> str:
    return stream[len(BILL_STREAM) :]


@dataclass(frozen=True)
class Entry:
    """A committed ledger entry on a bill stream (its leaf record, flattened)."""

    sequence: int
    entry_id: str
    stream: str
    version: int
    type: str
    signer: str
    body: dict
    ledger_time: str

    @classmethod
    def from_record(cls, record: dict) -> Entry:
        """From ``read_entries`` or ``entries_committed``: ``{sequence, entry_id, envelope, …}``."""
        envelope = record["envelope"]
        return cls(
            record["sequence"],
            record["entry_id"],
            envelope["stream"],
            envelope["expected_version"],
            envelope["type"],
            envelope["signer"],
            envelope["body"],
            record["ledger_time"],
        )

    @classmethod
    def from_receipt(cls, receipt: dict) -> Entry:
        return cls.from_record({**receipt["leaf"], "entry_id": receipt["entry_id"]})

    @property
    def package_no(self) -> str:
        return package_of(self.stream)

    @property
    def at(self) -> datetime:
        return parse_time(self.ledger_time)


@dataclass(frozen=True)
class StreamState:
    stream: str
    version: int  # ledger entries on the stream applied so far
    bill: Bill | None


@dataclass(frozen=True)
class Applied:
    entry: Entry
    events: list[BillEvent]
    refusal: PlatformError | None


class StreamGap(Exception):
    """An entry is ahead of what the projection applied on its stream."""

    def __init__(self, stream: str, applied: int, found: int):
        super().__init__(f"{stream}: applied {applied} entries, got version {found}")
        self.stream = stream


ContextFor = Callable[[Entry], Context]


def require_bill_stream(stream: str) -> None:
    if not is_bill_stream(stream):
        details = {"field": "stream", "stream": stream}
        raise BillFieldInvalid("bill commands go on a bill:<package_no> stream", details)


def decide_entry(bill: Bill | None, command: BillCommand, stream: str, context: Context):
    """The domain's decision on ``command`` signed for ``stream`` (which names the bill)."""
    require_bill_stream(stream)
    if command.type == "bill.issue" and command.body.get("package_no") != package_of(stream):
        details = {"field": "stream", "stream": stream}
        raise BillFieldInvalid("a bill is issued on its own stream bill:<package_no>", details)
    return domain.decide(bill, command, context)


# -- reading state --------------------------------------------------------------------------


def replay(payloads: Iterable[dict]) -> Bill | None:
    """``evolve`` over stored events: the bill's state."""
    bill = None
    for payload in payloads:
        bill = domain.evolve(bill, domain.event_from_dict(payload))
    return bill


def load_bill(session, package_no: str) -> Bill | None:
    query = (
        select(history.c.payload)
        .where(history.c.package_no == package_no)
        .order_by(history.c.sequence, history.c.position)
    )
    return replay(session.scalars(query))


def stream_version(session, stream: str) -> int:
    version = session.scalar(select(processed.c.version).where(processed.c.stream == stream))
    return version or 0


def load(session, stream: str) -> StreamState:
    bill = load_bill(session, package_of(stream)) if is_bill_stream(stream) else None
    return StreamState(stream, stream_version(session, stream), bill)


def is_applied(session, entry_id: str) -> bool:
    query = select(entries.c.sequence).where(entries.c.entry_id == entry_id)
    return session.scalar(query) is not None


def applied_ids(session, entry_ids: list[str]) -> set[str]:
    """Which of these entries the projection has already taken."""
    query = select(entries.c.entry_id).where(entries.c.entry_id.in_(entry_ids))
    return set(session.scalars(query))


def due_for_tick(session, today: date) -> list[str]:
    """Bills with a request past its last answer day: the only ones a tick can change."""
    query = (
        select(sub_ranges.c.package_no)
        .where(sub_ranges.c.pending_deadline < today)
        .distinct()
        .order_by(sub_ranges.c.package_no)
    )
    return list(session.scalars(query))


# -- applying entries -----------------------------------------------------------------------


def project(db, new_entries: Iterable[Entry], read_stream, context_for: ContextFor) -> list:
    """Apply entries (of any bill streams) in sequence order, each in its own transaction.

    A stream with a gap is filled first from ``read_stream(stream)`` (all its entries, in
    order); entries already applied are skipped. Returns what was newly applied.
    """
    done: list[Applied] = []
    for entry in sorted(new_entries, key=lambda item: item.sequence):
        try:
            done.extend(_apply_alone(db, entry, context_for))
        except StreamGap as gap:
            log.info("filling a gap on %s", gap.stream, extra={"stream": gap.stream})
            for missing in read_stream(entry.stream):
                done.extend(_apply_alone(db, missing, context_for))
    return done


def _apply_alone(db, entry: Entry, context_for: ContextFor) -> list[Applied]:
    with db.transaction() as session:
        applied = apply_entry(session, entry, context_for)
    return [applied] if applied else []


def apply_entry(
    session, entry: Entry, context_for: ContextFor, *, publish: bool = True
) -> Applied | None:
    """Apply one entry in ``session``'s transaction; ``None`` if it was applied already."""
    applied_version = _lock_stream(session, entry)
    if entry.version < applied_version:
        return None
    if entry.version > applied_version:
        raise StreamGap(entry.stream, applied_version, entry.version)
    bill = load_bill(session, entry.package_no)
    command = BillCommand(entry.type, entry.signer, entry.body)
    try:
        events = decide_entry(bill, command, entry.stream, context_for(entry))
    except CommandRejected:  # a remote call (party lookup) failed: not the bill rules' answer
        raise
    except PlatformError as refusal:
        log.warning(
            "ledger entry refused by the bill rules: %s",
            refusal.code,
            extra={"entry_id": entry.entry_id, "sequence": entry.sequence, "code": refusal.code},
        )
        _record(session, entry, refusal)
        return Applied(entry, [], refusal)
    for event in events:
        bill = domain.evolve(bill, event)
    _record(session, entry, None)
    if events:
        _write_history(session, entry, events)
        _write_state(session, bill)
        if publish:
            _write_outbox(session, entry, events)
    return Applied(entry, events, None)


def _lock_stream(session, entry: Entry) -> int:
    session.execute(
        pg_insert(processed)
        .values(stream=entry.stream, version=0, last_sequence=-1)
        .on_conflict_do_nothing()
    )
    query = select(processed.c.version).where(processed.c.stream == entry.stream)
    return session.scalar(query.with_for_update())


def _record(session, entry: Entry, refusal: PlatformError | None) -> None:
    session.execute(
        insert(entries).values(
            sequence=entry.sequence,
            entry_id=entry.entry_id,
            stream=entry.stream,
            stream_version=entry.version,
            package_no=entry.package_no,
            type=entry.type,
            signer=entry.signer,
            ledger_time=entry.at,
            refusal_code=refusal.code if refusal else None,
            refusal_message=refusal.message if refusal else None,
        )
    )
    session.execute(
        update(processed)
        .where(processed.c.stream == entry.stream)
        .values(version=entry.version + 1, last_sequence=entry.sequence)
    )


def _write_history(session, entry: Entry, events: list[BillEvent]) -> None:
    rows = [
        {
            "sequence": entry.sequence,
            "position": position,
            "package_no": entry.package_no,
            "entry_id": entry.entry_id,
            "ledger_time": entry.at,
            "command_type": entry.type,
            "actor": entry.signer,
            "event": event.name,
            "payload": event.to_dict(),
        }
        for position, event in enumerate(events)
    ]
    session.execute(insert(history), rows)


def _write_state(session, bill: Bill) -> None:
    row = {
        "package_no": bill.package_no,
        "kind": str(bill.kind),
        "supply_chain": bill.supply_chain,
        "drawer": bill.drawer,
        "acceptor": bill.acceptor,
        "payee": bill.payee,
        "amount_fen": bill.face.fen,
        "issue_date": bill.issue_date,
        "maturity_date": bill.maturity_date,
        "status": str(bill.status),
    }
    upsert = pg_insert(bills).values(row)
    changed = {key: upsert.excluded[key] for key in row if key != "package_no"}
    session.execute(upsert.on_conflict_do_update(index_elements=["package_no"], set_=changed))
    session.execute(delete(sub_ranges).where(sub_ranges.c.package_no == bill.package_no))
    session.execute(insert(sub_ranges), [_range_row(bill, r) for r in bill.ranges])


def _range_row(bill: Bill, sub_range) -> dict:
    pending = sub_range.pending
    return {
        "package_no": bill.package_no,
        "start": sub_range.start,
        "end": sub_range.end,
        "amount_fen": sub_range.amount_fen,
        "holder": sub_range.holder,
        "creditor": sub_range.creditor,
        "status": str(sub_range.status),
        "pledgee": sub_range.pledgee,
        "pending_type": str(pending.type) if pending else None,
        "pending_requester": pending.requester if pending else None,
        "pending_counterparty": pending.counterparty if pending else None,
        "pending_deadline": pending.deadline if pending else None,
    }


def event_message(entry: Entry, event: BillEvent) -> dict:
    """What subscribers receive: the event, the bill and the ledger entry that caused it."""
    return {
        **event.to_dict(),
        "package_no": entry.package_no,
        "entry_id": entry.entry_id,
        "sequence": entry.sequence,
        "ledger_time": entry.ledger_time,
    }


def _write_outbox(session, entry: Entry, events: list[BillEvent]) -> None:
    rows = [
        {"sequence": entry.sequence, "event": event.name, "payload": event_message(entry, event)}
        for event in events
    ]
    session.execute(insert(outbox), rows)


def take_outbox(session, limit: int = 500) -> list[tuple[str, dict]]:
    """Claim committed, undispatched events (oldest first); they are gone when ``session``
    commits, and back for the next taker if it rolls back (so dispatch before committing)."""
    claimed = (
        select(outbox.c.id)
        .order_by(outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    returned = outbox.c.id, outbox.c.event, outbox.c.payload
    rows = session.execute(delete(outbox).where(outbox.c.id.in_(claimed)).returning(*returned))
    return [(row.event, row.payload) for row in sorted(rows, key=lambda row: row.id)]


# -- rebuilding -----------------------------------------------------------------------------


def rebuild(session, ledger_entries: Iterable[Entry], context_for: ContextFor) -> int:
    """Empty the projection and replay ``ledger_entries`` (every bill entry, in sequence
    order) in ``session``'s transaction; nothing is dispatched again. Returns the count.

    TRUNCATE takes an exclusive lock: live appliers wait for the rebuild, then skip what it
    already applied.
    """
    names = ", ".join(f"{SCHEMA}.{table.name}" for table in PROJECTION_TABLES)
    session.execute(text(f"TRUNCATE {names}"))
    count = 0
    for entry in ledger_entries:
        apply_entry(session, entry, context_for, publish=False)
        count += 1
    return count
