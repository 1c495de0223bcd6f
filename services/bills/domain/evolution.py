"""``evolve``: apply one event to a bill. Pure, and deliberately without validation.

Events are facts the ledger already committed, so applying them must never refuse: replaying
a stream with ``evolve`` alone rebuilds the state ``decide`` + ``evolve`` produced.
"""

from __future__ import annotations

from dataclasses import replace

from services.bills.domain import events as ev
from services.bills.domain.bill import (
    Bill,
    BillKind,
    DiscountRecord,
    Dishonour,
    Guarantee,
    PackageStatus,
    PendingRequest,
    RangeStatus,
    RecourseSettlement,
    RequestType,
    SubRange,
    Transfer,
    TransferKind,
)
from services.bills.domain.calendar import china_date
from services.bills.domain.ranges import range_at, split, with_range
from services.bills.errors import BillNotFound
from services.common.money import Money

_CLOSED = (RangeStatus.PAID, RangeStatus.DISCHARGED)
# A lapsed, withdrawn or rejected presentment puts the package back where it was.
_BEFORE_PRESENTMENT = {
    RequestType.ACCEPTANCE: PackageStatus.DRAFTED,
    RequestType.RECEIPT: PackageStatus.ACCEPTED,
}


def evolve(bill: Bill | None, event: ev.BillEvent) -> Bill:
    if isinstance(event, ev.BillIssued):
        return _issued(event)
    if bill is None:
        raise BillNotFound(f"{event.name} before bill_issued")
    return _HANDLERS[type(event)](bill, event)


def _issued(e: ev.BillIssued) -> Bill:
    whole = SubRange(1, e.amount_fen, holder=e.drawer)
    return Bill(
        e.package_no,
        BillKind(e.kind),
        e.supply_chain,
        e.drawer,
        e.acceptor,
        e.payee,
        Money(e.amount_fen),
        e.issue_date,
        e.maturity_date,
        e.splittable,
        e.not_transferable,
        PackageStatus.DRAFTED,
        (whole,),
        e.at,
    )


def _change(bill: Bill, start: int, **changes) -> Bill:
    return with_range(bill, start, replace(range_at(bill, start), **changes))


def _settle_package(bill: Bill) -> Bill:
    if all(r.status in _CLOSED for r in bill.ranges):
        return replace(bill, status=PackageStatus.SETTLED)
    if any(r.status is RangeStatus.DISHONOURED for r in bill.ranges):
        return replace(bill, status=PackageStatus.DISHONOURED)
    return replace(bill, status=PackageStatus.IN_CIRCULATION)


def _pend(kind, requester, counterparty, *param_names, status: PackageStatus | None = None):
    """Put the event's request on its range (range 1 for the package-level presentments)."""

    def handler(bill: Bill, e) -> Bill:
        request = PendingRequest(
            kind,
            getattr(e, requester),
            getattr(e, counterparty),
            e.at,
            e.deadline,
            {name: getattr(e, name) for name in param_names},
        )
        start = getattr(e, "start", 1)
        bill = _change(bill, start, pending=request)
        return replace(bill, status=status) if status else bill

    return handler


def _answered(status: PackageStatus | None = None, **changes):
    """Clear the pending request of the (first) range; optionally move the package status."""

    def handler(bill: Bill, e) -> Bill:
        start = getattr(e, "start", 1)
        bill = _change(bill, start, pending=None, **changes)
        return replace(bill, status=status) if status else bill

    return handler


def _request_closed(bill: Bill, e) -> Bill:
    pending = range_at(bill, e.start).pending
    bill = _change(bill, e.start, pending=None)
    restored = _BEFORE_PRESENTMENT.get(pending.type) if pending else None
    return replace(bill, status=restored) if restored else bill


def _received(bill: Bill, e: ev.BillReceived) -> Bill:
    bill = _change(bill, 1, pending=None, holder=e.payee)
    return replace(bill, status=PackageStatus.IN_CIRCULATION)


def _split(bill: Bill, e: ev.BillSplit) -> Bill:
    return with_range(bill, e.start, *split(range_at(bill, e.start), e.points))


def _endorsed(bill: Bill, e: ev.BillEndorsed) -> Bill:
    sub_range = range_at(bill, e.start)
    step = Transfer(e.endorser, e.endorsee, e.not_transferable, e.at)
    return _change(bill, e.start, pending=None, holder=e.endorsee, chain=(*sub_range.chain, step))


def _guaranteed(bill: Bill, e: ev.BillGuaranteed) -> Bill:
    guarantees = (*range_at(bill, e.start).guarantees, Guarantee(e.guarantor, e.guaranteed, e.at))
    return _change(bill, e.start, pending=None, guarantees=guarantees)


def _pledged(bill: Bill, e: ev.BillPledged) -> Bill:
    return _change(bill, e.start, pending=None, pledgee=e.pledgee)


def _discounted(bill: Bill, e: ev.BillDiscounted) -> Bill:
    sub_range = range_at(bill, e.start)
    rediscount = isinstance(e, ev.BillRediscounted)
    kind = TransferKind.REDISCOUNT if rediscount else TransferKind.DISCOUNT
    step = Transfer(e.applicant, e.bank, False, e.at, kind)
    record = DiscountRecord(
        e.applicant,
        e.bank,
        e.rate_bp,
        e.discount_date,
        e.days,
        e.interest_fen,
        e.proceeds_fen,
        rediscount,
    )
    return _change(
        bill,
        e.start,
        pending=None,
        holder=e.bank,
        chain=(*sub_range.chain, step),
        discounts=(*sub_range.discounts, record),
    )


def _paid(bill: Bill, e: ev.BillPaid) -> Bill:
    changes = {"status": RangeStatus.PAID, "paid_on": china_date(e.at), "pledgee": None}
    return _settle_package(_change(bill, e.start, pending=None, **changes))


def _dishonoured(bill: Bill, e: ev.BillDishonoured) -> Bill:
    dishonour = Dishonour(china_date(e.at), e.reason, e.late, e.deemed)
    changes = {"status": RangeStatus.DISHONOURED, "dishonour": dishonour}
    return _settle_package(_change(bill, e.start, pending=None, **changes))


def _recourse_settled(bill: Bill, e: ev.RecourseSettled) -> Bill:
    sub_range = range_at(bill, e.start)
    settlement = RecourseSettlement(e.claimant, e.settled_by, e.total_fen, china_date(e.at))
    discharged = e.settled_by == bill.acceptor
    changes = {
        "holder": e.settled_by,
        "pledgee": None,
        "recourse": (*sub_range.recourse, settlement),
        "status": RangeStatus.DISCHARGED if discharged else RangeStatus.DISHONOURED,
    }
    return _settle_package(_change(bill, e.start, pending=None, **changes))


_HANDLERS = {
    ev.AcceptancePresented: _pend(
        RequestType.ACCEPTANCE, "drawer", "acceptor", status=PackageStatus.ACCEPTANCE_PRESENTED
    ),
    ev.BillAccepted: _answered(PackageStatus.ACCEPTED),
    ev.AcceptanceRefused: _answered(PackageStatus.ACCEPTANCE_REFUSED),
    ev.ReceiptPresented: _pend(
        RequestType.RECEIPT, "drawer", "payee", status=PackageStatus.RECEIPT_PRESENTED
    ),
    ev.BillReceived: _received,
    ev.ReceiptRefused: _answered(PackageStatus.ACCEPTED),
    ev.BillRevoked: lambda bill, e: replace(bill, status=PackageStatus.REVOKED),
    ev.BillSplit: _split,
    ev.EndorsementRequested: _pend(
        RequestType.ENDORSEMENT, "endorser", "endorsee", "not_transferable"
    ),
    ev.BillEndorsed: _endorsed,
    ev.GuaranteeRequested: _pend(RequestType.GUARANTEE, "guaranteed", "guarantor"),
    ev.BillGuaranteed: _guaranteed,
    ev.PledgeRequested: _pend(RequestType.PLEDGE, "pledgor", "pledgee"),
    ev.BillPledged: _pledged,
    ev.PledgeReleaseRequested: _pend(RequestType.PLEDGE_RELEASE, "pledgor", "pledgee"),
    ev.PledgeReleased: _answered(pledgee=None),
    ev.DiscountRequested: _pend(RequestType.DISCOUNT, "applicant", "bank", "rate_bp"),
    ev.BillDiscounted: _discounted,
    ev.RediscountRequested: _pend(RequestType.REDISCOUNT, "applicant", "bank", "rate_bp"),
    ev.BillRediscounted: _discounted,
    ev.PaymentPresented: _pend(RequestType.PAYMENT, "presenter", "acceptor", "late"),
    ev.BillPaid: _paid,
    ev.BillDishonoured: _dishonoured,
    ev.RecourseClaimed: _pend(
        RequestType.RECOURSE, "claimant", "against", "amount_fen", "interest_fen", "costs_fen"
    ),
    ev.RecourseSettled: _recourse_settled,
    ev.RequestWithdrawn: _request_closed,
    ev.RequestRejected: _request_closed,
    ev.RequestExpired: _request_closed,
}
