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

from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ledger.commands import parse_time
from services.bills import domain
from services.bills.domain import Bill, BillCommand, BillEvent, Context
from services.bills.errors import BillFieldInvalid
from services.bills.tables import (
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
    if not is_bill_stream(stream):
        return StreamState(stream, stream_version(session, stream), None)
    return load_many(session, [stream])[stream]


def load_many(session, streams: list[str]) -> dict[str, StreamState]:
    """``load`` for many bill streams in two queries."""
    packages = {package_of(stream): stream for stream in streams}
    query = (
        select(history.c.package_no, history.c.payload)
        .where(history.c.package_no.in_(packages))
        .order_by(history.c.package_no, history.c.sequence, history.c.position)
    )
    payloads: dict[str, list] = {package: [] for package in packages}
    for package_no, payload in session.execute(query):
        payloads[package_no].append(payload)
    versions = dict(
        session.execute(
            select(processed.c.stream, processed.c.version).where(processed.c.stream.in_(streams))
        ).all()
    )
    return {
        stream: StreamState(stream, versions.get(stream) or 0, replay(payloads[package]))
        for package, stream in packages.items()
    }


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


def apply_entries(
    session, new_entries: Iterable[Entry], context_for: ContextFor, known: dict
) -> list[Applied]:
    """Apply entries of distinct bills in one transaction, in sequence order. ``known`` maps
    a stream to ``(version, bill)`` as the caller read it to decide: used instead of reading
    the bill again when the stream still stands at that version."""
    ordered = sorted(new_entries, key=lambda item: item.sequence)
    if len({entry.stream for entry in ordered}) != len(ordered):
        raise ValueError("apply_entries takes at most one entry per bill")
    done, writes = [], Writes()
    versions = _lock_streams(session, [entry.stream for entry in ordered])
    for entry in ordered:
        state = known.get(entry.stream)
        locked = versions[entry.stream]
        applied = apply_entry(session, entry, context_for, known=state, writes=writes, at=locked)
        done.extend([applied] if applied else [])
    writes.flush(session)
    return done


def apply_entry(
    session,
    entry: Entry,
    context_for: ContextFor,
    *,
    publish: bool = True,
    known: tuple[int, Bill | None] | None = None,
    writes: Writes | None = None,
    at: int | None = None,
) -> Applied | None:
    """Apply one entry in ``session``'s transaction; ``None`` if it was applied already.
    ``writes``: collect the rows there for the caller to flush (by default, written now);
    ``at``: the stream's version if the caller has locked it already."""
    own = writes is None
    writes = Writes() if own else writes
    applied_version = _lock_streams(session, [entry.stream])[entry.stream] if at is None else at
    if entry.version < applied_version:
        return None
    if entry.version > applied_version:
        raise StreamGap(entry.stream, applied_version, entry.version)
    if known is not None and known[0] == applied_version:
        bill = known[1]  # read at this version, which the lock now holds
    else:
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
        writes.record(entry, refusal)
        if own:
            writes.flush(session)
        return Applied(entry, [], refusal)
    for event in events:
        bill = domain.evolve(bill, event)
    writes.record(entry, None)
    if events:
        writes.history(entry, events)
        writes.state(bill)
        if publish:
            writes.outbox(entry, events)
    if own:
        writes.flush(session)
    return Applied(entry, events, None)


def _lock_streams(session, streams: list[str]) -> dict[str, int]:
    """Lock the streams' rows (in one order, so two waves never wait on each other in a
    circle); their versions."""
    query = (
        select(processed.c.stream, processed.c.version)
        .where(processed.c.stream.in_(streams))
        .order_by(processed.c.stream)
        .with_for_update()
    )
    versions = dict(session.execute(query).all())
    missing = [stream for stream in streams if stream not in versions]
    if missing:
        rows = [{"stream": stream, "version": 0, "last_sequence": -1} for stream in missing]
        session.execute(pg_insert(processed).values(rows).on_conflict_do_nothing())
        versions |= dict(session.execute(query.where(processed.c.stream.in_(missing))).all())
    return versions


class Writes:
    """The rows applying entries writes, collected so a wave of entries (distinct bills) goes
    to the database in a few statements; ``flush`` writes them in ``session``."""

    def __init__(self):
        self.entry_rows: list[dict] = []
        self.position_rows: list[dict] = []
        self.history_rows: list[dict] = []
        self.bill_states: dict[str, Bill] = {}
        self.outbox_rows: list[dict] = []

    def record(self, entry: Entry, refusal: PlatformError | None) -> None:
        self.entry_rows.append(
            {
                "sequence": entry.sequence,
                "entry_id": entry.entry_id,
                "stream": entry.stream,
                "stream_version": entry.version,
                "package_no": entry.package_no,
                "type": entry.type,
                "signer": entry.signer,
                "ledger_time": entry.at,
                "refusal_code": refusal.code if refusal else None,
                "refusal_message": refusal.message if refusal else None,
            }
        )
        position = {"version": entry.version + 1, "last_sequence": entry.sequence}
        self.position_rows.append({"of_stream": entry.stream, **position})

    def history(self, entry: Entry, events: list[BillEvent]) -> None:
        self.history_rows.extend(
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
        )

    def state(self, bill: Bill) -> None:
        self.bill_states[bill.package_no] = bill

    def outbox(self, entry: Entry, events: list[BillEvent]) -> None:
        self.outbox_rows.extend(
            {"sequence": entry.sequence, "event": e.name, "payload": event_message(entry, e)}
            for e in events
        )

    def flush(self, session) -> None:
        if self.entry_rows:
            session.execute(insert(entries), self.entry_rows)
            moved = (
                update(processed)
                .where(processed.c.stream == bindparam("of_stream"))
                .values(version=bindparam("version"), last_sequence=bindparam("last_sequence"))
            )
            session.connection().execute(moved, self.position_rows)
        if self.history_rows:
            session.execute(insert(history), self.history_rows)
        if self.bill_states:
            _write_states(session, list(self.bill_states.values()))
        if self.outbox_rows:
            session.execute(insert(outbox), self.outbox_rows)
        self.__init__()


def _write_states(session, written: list[Bill]) -> None:
    rows = [
        {
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
        for bill in written
    ]
    upsert = pg_insert(bills).values(rows)
    changed = {key: upsert.excluded[key] for key in rows[0] if key != "package_no"}
    session.execute(upsert.on_conflict_do_update(index_elements=["package_no"], set_=changed))
    packages = [bill.package_no for bill in written]
    session.execute(delete(sub_ranges).where(sub_ranges.c.package_no.in_(packages)))
    ranges = [_range_row(bill, r) for bill in written for r in bill.ranges]
    if ranges:
        session.execute(insert(sub_ranges), ranges)


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
