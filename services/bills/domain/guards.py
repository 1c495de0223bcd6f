"""The checks every decision starts with, each raising the one error its rule names."""

from __future__ import annotations

from collections.abc import Collection

from services.bills.domain.bill import (
    Bill,
    Context,
    PackageStatus,
    PendingRequest,
    RangeStatus,
    RequestType,
    SubRange,
)
from services.bills.errors import (
    BillDishonoured,
    BillInvalidState,
    BillNoPendingRequest,
    BillNotCounterparty,
    BillNotFound,
    BillRequestExpired,
    BillRequestPending,
    BillUnknownParty,
)
from services.common.errors import PlatformError

ENTERPRISE = ("enterprise",)
BANK = ("bank",)
ENTERPRISE_OR_BANK = ("enterprise", "bank")
CIRCULATING = frozenset(
    {PackageStatus.IN_CIRCULATION, PackageStatus.DISHONOURED, PackageStatus.SETTLED}
)

# Which command answers which request: told to a caller who used the wrong one.
ANSWERED_BY = {
    RequestType.ACCEPTANCE: ("bill.accept", "bill.refuse_acceptance"),
    RequestType.RECEIPT: ("bill.receive", "bill.refuse_receipt"),
    RequestType.PAYMENT: ("bill.pay", "bill.dishonour"),
    RequestType.RECOURSE: ("bill.settle_recourse", "bill.reject"),
}
SIGN_OR_REJECT = ("bill.sign", "bill.reject")


def existing(bill: Bill | None) -> Bill:
    if bill is None:
        raise BillNotFound("no bill with this package number")
    return bill


def require_status(bill: Bill, allowed: Collection[PackageStatus], act: str) -> None:
    if bill.status not in allowed:
        raise BillInvalidState(
            f"cannot {act} a bill that is {bill.status}", {"status": str(bill.status)}
        )


def require_actor(actor: str, expected: str, error: type[PlatformError], role: str) -> None:
    if actor != expected:
        raise error(f"only the {role} may do this", {"role": role, "party": expected})


def require_kind(
    context: Context, party: str, kinds: tuple[str, ...], error: type[PlatformError], role: str
) -> None:
    kind = context.party_kind(party)
    if kind is None:
        raise BillUnknownParty(f"{party} is not an admitted party", {"party": party})
    if kind not in kinds:
        message = f"the {role} must be a {' or '.join(kinds)}, not a {kind}"
        raise error(message, {"party": party, "role": role, "kind": kind})


def require_open(sub_range: SubRange, act: str) -> None:
    """The range is still in circulation: not dishonoured, paid or discharged."""
    if sub_range.status is RangeStatus.DISHONOURED:
        raise BillDishonoured(f"cannot {act} a dishonoured range", _where(sub_range))
    if sub_range.status is not RangeStatus.ACTIVE:
        message = f"cannot {act} a range that is {sub_range.status}"
        raise BillInvalidState(message, {**_where(sub_range), "status": str(sub_range.status)})


def require_idle(sub_range: SubRange) -> None:
    if sub_range.pending is not None:
        details = {**_where(sub_range), "pending": str(sub_range.pending.type)}
        raise BillRequestPending("the range has an unanswered request", details)


def require_pending(sub_range: SubRange, types: Collection[RequestType]) -> PendingRequest:
    pending = sub_range.pending
    if pending is None or pending.type not in types:
        details = _where(sub_range)
        if pending is not None:
            details["pending"] = str(pending.type)
            details["answer_with"] = list(ANSWERED_BY.get(pending.type, SIGN_OR_REJECT))
        raise BillNoPendingRequest("no request of that kind waits on this range", details)
    return pending


def require_counterparty(actor: str, pending: PendingRequest) -> None:
    require_actor(actor, pending.counterparty, BillNotCounterparty, "party asked to answer")


def require_in_time(pending: PendingRequest, context: Context) -> None:
    if context.today > pending.deadline:
        details = {"deadline": pending.deadline.isoformat()}
        raise BillRequestExpired("the request lapsed before this answer", details)


def _where(sub_range: SubRange) -> dict:
    return {"start": sub_range.start, "end": sub_range.end}
