"""Phase two of a request: the counterparty signs (签收) or rejects (驳回); the requester may
withdraw (撤回) while it waits.

``bill.sign`` answers endorsement, guarantee, pledge, pledge-release, discount and rediscount
requests; ``bill.reject`` those and recourse claims. Acceptance, receipt and payment have
their own answers (``bill.accept``, ``bill.receive``, ``bill.pay`` ...) and a caller who uses
the wrong one is told which (``details["answer_with"]``). A signature after the request's
deadline is refused; rejecting or withdrawing a lapsed request is harmless and allowed.
"""

from __future__ import annotations

from services.bills.domain.bill import Bill, Context, PendingRequest, RequestType, SubRange
from services.bills.domain.commands import Reject, Sign, Withdraw
from services.bills.domain.events import (
    BillDiscounted,
    BillEndorsed,
    BillEvent,
    BillGuaranteed,
    BillPledged,
    BillRediscounted,
    PledgeReleased,
    RequestRejected,
    RequestWithdrawn,
)
from services.bills.domain.guards import (
    existing,
    require_actor,
    require_counterparty,
    require_in_time,
    require_pending,
)
from services.bills.domain.pricing import quote_discount
from services.bills.domain.ranges import range_at
from services.bills.errors import BillNotRequester

SIGNABLE = (
    RequestType.ENDORSEMENT,
    RequestType.GUARANTEE,
    RequestType.PLEDGE,
    RequestType.PLEDGE_RELEASE,
    RequestType.DISCOUNT,
    RequestType.REDISCOUNT,
)
REJECTABLE = (*SIGNABLE, RequestType.RECOURSE)


def sign(bill: Bill | None, command: Sign, context: Context) -> list[BillEvent]:
    bill = existing(bill)
    sub_range = range_at(bill, command.start)
    pending = require_pending(sub_range, SIGNABLE)
    require_counterparty(command.actor, pending)
    require_in_time(pending, context)
    return [_signed(bill, sub_range, pending, context)]


def reject(bill: Bill | None, command: Reject, context: Context) -> list[BillEvent]:
    sub_range = range_at(existing(bill), command.start)
    pending = require_pending(sub_range, REJECTABLE)
    require_counterparty(command.actor, pending)
    args = (sub_range.start, sub_range.end, str(pending.type), command.actor, command.reason)
    return [RequestRejected(*args, at=context.now)]


def withdraw(bill: Bill | None, command: Withdraw, context: Context) -> list[BillEvent]:
    sub_range = range_at(existing(bill), command.start)
    pending = require_pending(sub_range, tuple(RequestType))
    require_actor(command.actor, pending.requester, BillNotRequester, "requester")
    args = (sub_range.start, sub_range.end, str(pending.type), command.actor)
    return [RequestWithdrawn(*args, at=context.now)]


def _signed(bill: Bill, sub_range: SubRange, pending: PendingRequest, context: Context):
    where = (sub_range.start, sub_range.end, pending.requester, pending.counterparty)
    kind = pending.type
    if kind is RequestType.ENDORSEMENT:
        return BillEndorsed(*where, pending.params["not_transferable"], at=context.now)
    if kind is RequestType.GUARANTEE:
        return BillGuaranteed(*where, at=context.now)
    if kind is RequestType.PLEDGE:
        return BillPledged(*where, at=context.now)
    if kind is RequestType.PLEDGE_RELEASE:
        return PledgeReleased(*where, at=context.now)
    rate_bp = pending.params["rate_bp"]
    quote = quote_discount(
        sub_range.amount_fen, rate_bp, context.today, bill.maturity_date, context.calendar
    )
    event = BillDiscounted if kind is RequestType.DISCOUNT else BillRediscounted
    priced = (quote.discount_date, quote.adjusted_maturity, quote.days, quote.interest_fen)
    return event(*where, rate_bp, *priced, quote.proceeds_fen, at=context.now)
