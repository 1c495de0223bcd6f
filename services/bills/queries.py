"""Read-side views of the bills projection: JSON-safe dicts for RPC callers.

- ``bill_view``: one bill package with its sub-range map (holder, status, pledge, pending
  request, endorsement chain, guarantees, discounts, dishonour, recourse) and its full history,
  each step with the ledger entry id, sequence and ledger time that recorded it.
- ``bills_of``: a party's bills by role — ``held`` (ranges it holds), ``receivable`` (ranges
  it is the creditor of: holder, or pledgee while pledged) and ``payable`` (ranges it accepted
  and has not yet paid or discharged).

Money is integer fen (and its exact yuan text), dates ``YYYY-MM-DD``, times RFC 3339 UTC.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from itertools import groupby

from sqlalchemy import select

from ledger.commands import format_time
from services.bills import domain
from services.bills.domain.bill import Bill, PackageStatus, RangeStatus, SubRange
from services.bills.domain.body_fields import FIELD_PARSERS, parse_party
from services.bills.errors import BillFieldInvalid, BillNotFound
from services.bills.projection.state import replay, stream_version
from services.bills.projection.streams import stream_of
from services.bills.tables import bills, history, sub_ranges
from services.common.money import Money

_OPEN = (str(RangeStatus.ACTIVE), str(RangeStatus.DISHONOURED))
_CIRCULATING = (PackageStatus.IN_CIRCULATION, PackageStatus.DISHONOURED)
_ACCEPTED = (PackageStatus.ACCEPTED, PackageStatus.RECEIPT_PRESENTED, *_CIRCULATING)
ROLES = {
    "held": (sub_ranges.c.holder, _CIRCULATING),
    "receivable": (sub_ranges.c.creditor, _CIRCULATING),
    "payable": (bills.c.acceptor, _ACCEPTED),
}


def checked_package_no(value) -> str:
    """A 30-digit package number, or ``BILL_FIELD_INVALID``."""
    return FIELD_PARSERS["package_no"]("package_no", value)


def bill_view(session, package_no: str) -> dict:
    """The bill, its range map and its history; raises ``BILL_NOT_FOUND``."""
    steps = _history(session, checked_package_no(package_no))
    bill = _existing(steps, package_no)
    return {
        **_summary(bill),
        "stream": stream_of(package_no),
        "version": stream_version(session, stream_of(package_no)),
        "ranges": [
            _range(r, row) for r, row in zip(bill.ranges, domain.range_map(bill), strict=True)
        ],
        "history": [_step(step) for step in steps],
    }


def range_map(session, package_no: str) -> list[dict]:
    """``domain.range_map`` of the bill; raises ``BILL_NOT_FOUND``."""
    package_no = checked_package_no(package_no)
    return domain.range_map(_existing(_history(session, package_no), package_no))


def _history(session, package_no: str) -> list:
    query = (
        select(history)
        .where(history.c.package_no == package_no)
        .order_by(history.c.sequence, history.c.position)
    )
    return session.execute(query).all()


def _existing(steps: list, package_no: str) -> Bill:
    bill = replay(step.payload for step in steps)
    if bill is None:
        raise BillNotFound("no bill with this package number", {"package_no": package_no})
    return bill


def bills_of(session, party_id: str, role: str) -> list[dict]:
    """The party's bills in ``role``, soonest maturity first, each with the matching ranges."""
    if not isinstance(role, str) or role not in ROLES:
        raise BillFieldInvalid(f"role is one of {', '.join(ROLES)}", {"field": "role"})
    party_id = parse_party("party_id", party_id)
    party_column, statuses = ROLES[role]
    query = (
        select(
            sub_ranges,
            bills.c.kind,
            bills.c.supply_chain,
            bills.c.status.label("bill_status"),
            bills.c.drawer,
            bills.c.acceptor,
            bills.c.payee,
            bills.c.maturity_date,
        )
        .join(sub_ranges, sub_ranges.c.package_no == bills.c.package_no)
        .where(
            party_column == party_id,
            sub_ranges.c.status.in_(_OPEN),
            bills.c.status.in_([str(status) for status in statuses]),
        )
        .order_by(bills.c.maturity_date, bills.c.package_no, sub_ranges.c.start)
    )
    rows = session.execute(query).mappings().all()
    return [_holding(list(group)) for _, group in groupby(rows, key=lambda r: r["package_no"])]


def _holding(rows: list) -> dict:
    first = rows[0]
    amount = sum(row["amount_fen"] for row in rows)
    return {
        "package_no": first["package_no"],
        "kind": first["kind"],
        "supply_chain": first["supply_chain"],
        "status": first["bill_status"],
        "drawer": first["drawer"],
        "acceptor": first["acceptor"],
        "payee": first["payee"],
        "maturity_date": first["maturity_date"].isoformat(),
        "amount_fen": amount,
        "amount_yuan": Money(amount).yuan(),
        "ranges": [_holding_range(row) for row in rows],
    }


def _holding_range(row) -> dict:
    deadline = row["pending_deadline"]
    return {
        "start": row["start"],
        "end": row["end"],
        "amount_fen": row["amount_fen"],
        "holder": row["holder"],
        "creditor": row["creditor"],
        "status": row["status"],
        "pledgee": row["pledgee"],
        "pending": None
        if row["pending_type"] is None
        else {
            "type": row["pending_type"],
            "requester": row["pending_requester"],
            "counterparty": row["pending_counterparty"],
            "deadline": deadline.isoformat(),
        },
    }


def _summary(bill: Bill) -> dict:
    return {
        "package_no": bill.package_no,
        "kind": str(bill.kind),
        "supply_chain": bill.supply_chain,
        "drawer": bill.drawer,
        "acceptor": bill.acceptor,
        "payee": bill.payee,
        "amount_fen": bill.face.fen,
        "amount_yuan": bill.face.yuan(),
        "issue_date": bill.issue_date.isoformat(),
        "maturity_date": bill.maturity_date.isoformat(),
        "splittable": bill.splittable,
        "not_transferable": bill.not_transferable,
        "status": str(bill.status),
        "issued_at": format_time(bill.issued_at),
    }


def _range(sub_range: SubRange, row: dict) -> dict:
    return {
        **row,
        "creditor": sub_range.creditor,
        "chain": plain(sub_range.chain),
        "guarantees": plain(sub_range.guarantees),
        "discounts": plain(sub_range.discounts),
        "dishonour": plain(sub_range.dishonour),
        "recourse": plain(sub_range.recourse),
        "paid_on": plain(sub_range.paid_on),
    }


def _step(step) -> dict:
    return {
        "sequence": step.sequence,
        "entry_id": step.entry_id,
        "ledger_time": format_time(step.ledger_time),
        "command": step.command_type,
        "actor": step.actor,
        "event": step.payload,
    }


def plain(value):
    """Domain values as JSON-safe data: dataclasses as dicts, enums as text, RFC 3339 times."""
    if is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
