"""Sub-ticket ranges: finding, splitting and replacing them, and the read side the service uses.

The ranges of a bill are kept sorted and always partition ``[1, face in fen]``: a split only
cuts one range into adjacent pieces that inherit its history, so amounts are conserved.
"""

from __future__ import annotations

from dataclasses import replace

from services.bills.domain.bill import Bill, SubRange
from services.bills.errors import BillRangeInvalid
from services.common.money import Money


def containing(bill: Bill, start: int, end: int) -> SubRange:
    """The one range holding all of ``[start, end]``; raises ``BILL_RANGE_INVALID`` otherwise."""
    for sub_range in bill.ranges:
        if sub_range.covers(start, end):
            return sub_range
    raise BillRangeInvalid(
        f"[{start}, {end}] is not inside one sub-range of the bill",
        {"start": start, "end": end, "ranges": [[r.start, r.end] for r in bill.ranges]},
    )


def range_at(bill: Bill, start: int) -> SubRange:
    """The range that begins at sub-ticket ``start``."""
    for sub_range in bill.ranges:
        if sub_range.start == start:
            return sub_range
    raise BillRangeInvalid(f"no sub-range starts at {start}", {"start": start})


def split_points(outer: SubRange, start: int, end: int) -> tuple[int, ...]:
    """Where ``outer`` must be cut so that ``[start, end]`` becomes a range of its own."""
    return tuple(point for point in (start, end + 1) if outer.start < point <= outer.end)


def split(sub_range: SubRange, points: tuple[int, ...]) -> tuple[SubRange, ...]:
    """Cut ``sub_range`` before each point; every piece keeps the whole history."""
    bounds = [sub_range.start, *sorted(points), sub_range.end + 1]
    pairs = zip(bounds, bounds[1:], strict=False)
    return tuple(replace(sub_range, start=low, end=high - 1) for low, high in pairs)


def with_range(bill: Bill, start: int, *pieces: SubRange) -> Bill:
    """``bill`` with the range beginning at ``start`` replaced by ``pieces``."""
    ranges = []
    for sub_range in bill.ranges:
        ranges.extend(pieces if sub_range.start == start else (sub_range,))
    return replace(bill, ranges=tuple(ranges))


def holdings(bill: Bill) -> list[tuple[str, int, int, int]]:
    """``(holder, start, end, amount_fen)`` for every range, in sub-ticket order."""
    return [(r.holder, r.start, r.end, r.amount_fen) for r in bill.ranges]


def amount_held_by(bill: Bill, party: str) -> Money:
    """The face value of the ranges ``party`` holds (paid or not: read ``range_map`` for that)."""
    return Money(sum(r.amount_fen for r in bill.ranges if r.holder == party))


def range_map(bill: Bill) -> list[dict]:
    """A JSON-safe row per range: who holds it, its status, its pledge and pending request."""
    return [_row(sub_range) for sub_range in bill.ranges]


def _row(sub_range: SubRange) -> dict:
    pending = sub_range.pending
    return {
        "start": sub_range.start,
        "end": sub_range.end,
        "amount_fen": sub_range.amount_fen,
        "holder": sub_range.holder,
        "status": str(sub_range.status),
        "pledgee": sub_range.pledgee,
        "endorsements": len(sub_range.chain),
        "pending": None
        if pending is None
        else {
            "type": str(pending.type),
            "requester": pending.requester,
            "counterparty": pending.counterparty,
            "deadline": pending.deadline.isoformat(),
        },
    }


def parties_on(bill: Bill) -> frozenset[str]:
    """Everyone who appears on the bill, including parties asked to answer a pending request."""
    parties = {bill.drawer, bill.acceptor, bill.payee}
    for sub_range in bill.ranges:
        parties.add(sub_range.holder)
        parties.update(p for step in sub_range.chain for p in (step.endorser, step.endorsee))
        parties.update(g.guarantor for g in sub_range.guarantees)
        parties.update(s.settled_by for s in sub_range.recourse)
        if sub_range.pledgee:
            parties.add(sub_range.pledgee)
        if sub_range.pending:
            parties.update((sub_range.pending.requester, sub_range.pending.counterparty))
    return frozenset(parties)
