"""Reading the bills projection's state: a bill is ``evolve`` over its stored events, at the
stream version its position records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from services.bills import domain
from services.bills.domain import Bill
from services.bills.projection.streams import is_bill_stream, package_of
from services.bills.tables import TRACKING, history, sub_ranges


@dataclass(frozen=True)
class StreamState:
    stream: str
    version: int  # ledger entries on the stream applied so far
    bill: Bill | None


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
    return TRACKING.version(session, stream)


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
    positions = TRACKING.read(session, list(streams))
    return {
        stream: StreamState(stream, positions[stream].version, replay(payloads[package]))
        for package, stream in packages.items()
    }


def applied_ids(session, entry_ids: list[str]) -> set[str]:
    """Which of these entries the projection has already taken."""
    return TRACKING.taken(session, entry_ids)


def due_for_tick(session, today: date) -> list[str]:
    """Bills with a request past its last answer day: the only ones a tick can change."""
    query = (
        select(sub_ranges.c.package_no)
        .where(sub_ranges.c.pending_deadline < today)
        .distinct()
        .order_by(sub_ranges.c.package_no)
    )
    return list(session.scalars(query))
