"""Maturity and after: present for payment (提示付款) → pay (结清) or dishonour (拒付); recourse
(追索) → settlement (清偿); and the timer (``bill.tick``).

Presentment. The creditor of a range (its holder, or the pledgee while it is pledged)
presents it on or after the maturity date. Inside the window (maturity + 10 days, 票据法
Art. 53) the presentment is timely; later it is still allowed for two years (the acceptor
stays liable) but is marked late, and a late presentment that is dishonoured gives no
recourse against endorsers (Art. 65; see ``liability``).

The acceptor answers "当日至迟次日": by the business day after it received the presentment
(电子商业汇票业务管理办法 Art. 60). What happens to silence is the rule set's choice:

- **Bank acceptance bill: deemed dishonour on day three.** From the business day after the
  deadline the acceptor's access institution answers in its place, and the timer records that
  answer as a dishonour for no answer (``bill_dishonoured`` with ``deemed=true``); the
  acceptor itself can no longer answer (``BILL_ANSWER_DEADLINE_PASSED``). Why dishonour and
  not an automatic payment: the platform records obligations, it does not move money, so a
  recorded "payment" nobody made would extinguish the holder's rights against every prior
  party. A deemed dishonour keeps every right alive — recourse opens at once, and the acceptor
  stays liable for two years, so it can still pay by settling a recourse claim. It is also
  what the exchange itself does at the end of that day for silent acceptors (票交所发〔2022〕2号:
  "提示付款待签收" becomes 拒付).
- **Commercial acceptance bill: manual answer.** The acceptor (an enterprise, no access
  institution answering for it on the platform) must pay or dishonour itself; the timer does
  nothing, and a late answer is accepted. The creditor may withdraw and present again.

Recourse. After dishonour the creditor claims against any liable party (``liability``) within
its limitation period; the claimed party settles (and takes the range, becoming its holder
and creditor, free to claim further back) or rejects (the claimant may then claim anyone
liable, the same party included). When the acceptor settles, the range is discharged.
"""

from __future__ import annotations

from services.bills.domain.bill import (
    Bill,
    Context,
    PendingRequest,
    RangeStatus,
    RequestType,
    SubRange,
)
from services.bills.domain.commands import (
    ClaimRecourse,
    Dishonour,
    Pay,
    PresentPayment,
    SettleRecourse,
)
from services.bills.domain.commands import Tick as TickCommand
from services.bills.domain.events import (
    BillDishonoured,
    BillEvent,
    BillPaid,
    PaymentPresented,
    RecourseClaimed,
    RecourseSettled,
    RequestExpired,
)
from services.bills.domain.guards import (
    CIRCULATING,
    existing,
    require_counterparty,
    require_idle,
    require_in_time,
    require_kind,
    require_open,
    require_pending,
    require_status,
)
from services.bills.domain.liability import recourse_targets
from services.bills.domain.ranges import range_at
from services.bills.domain.timing import (
    agent_answer_day,
    payment_answer_deadline,
    presentment_window_end,
    primary_limit,
    request_deadline,
)
from services.bills.errors import (
    BillAnswerDeadlinePassed,
    BillInvalidState,
    BillNotDishonoured,
    BillNotDue,
    BillNotHolder,
    BillNotLiable,
    BillNotOperator,
    BillPaymentTimeBarred,
    BillRangePledged,
    BillRecourseTimeBarred,
)

NO_ANSWER = "no answer by the next business day: answered by the acceptor's access institution"


def present_payment(bill: Bill | None, command: PresentPayment, context: Context) -> list:
    bill, sub_range = _range(bill, command.start, "present for payment")
    require_open(sub_range, "present")
    _require_creditor(command.actor, sub_range)
    require_idle(sub_range)
    today = context.today
    if today < bill.maturity_date:
        raise BillNotDue("payment is presented from the maturity date", _dates(bill))
    if today > primary_limit(bill, context.calendar):
        raise BillPaymentTimeBarred("the claim on the acceptor is time-barred", _dates(bill))
    late = today > presentment_window_end(bill, context.calendar)
    deadline = payment_answer_deadline(today, context.calendar)
    args = (sub_range.start, sub_range.end, command.actor, bill.acceptor, late, deadline)
    return [PaymentPresented(*args, at=context.now)]


def pay(bill: Bill | None, command: Pay, context: Context) -> list[BillEvent]:
    bill, sub_range, pending = _payment_answer(bill, command, context)
    args = (sub_range.start, sub_range.end, bill.acceptor, pending.requester, sub_range.amount_fen)
    return [BillPaid(*args, at=context.now)]


def dishonour(bill: Bill | None, command: Dishonour, context: Context) -> list[BillEvent]:
    bill, sub_range, pending = _payment_answer(bill, command, context)
    return [_dishonoured(bill, sub_range, pending, command.reason, False, context)]


def claim_recourse(bill: Bill | None, command: ClaimRecourse, context: Context) -> list:
    bill, sub_range = _range(bill, command.start, "claim recourse on")
    if sub_range.status is RangeStatus.ACTIVE:
        raise BillNotDishonoured("recourse follows a dishonour", {"start": sub_range.start})
    if sub_range.status is not RangeStatus.DISHONOURED:
        raise BillInvalidState(f"the range is {sub_range.status}", {"start": sub_range.start})
    _require_creditor(command.actor, sub_range)
    require_idle(sub_range)
    liable = recourse_targets(bill, sub_range, context.calendar)
    if command.against not in liable:
        details = {"against": command.against, "liable": sorted(liable)}
        raise BillNotLiable("that party owes this creditor nothing on this range", details)
    if context.today > liable[command.against]:
        details = {"against": command.against, "last_day": liable[command.against].isoformat()}
        raise BillRecourseTimeBarred("the claim against that party is time-barred", details)
    deadline = request_deadline(context.today, None, context.calendar)
    amounts = (sub_range.amount_fen, command.interest_fen, command.costs_fen)
    args = (sub_range.start, sub_range.end, command.actor, command.against, *amounts, deadline)
    return [RecourseClaimed(*args, at=context.now)]


def settle_recourse(bill: Bill | None, command: SettleRecourse, context: Context) -> list:
    sub_range = range_at(existing(bill), command.start)
    pending = require_pending(sub_range, (RequestType.RECOURSE,))
    require_counterparty(command.actor, pending)
    require_in_time(pending, context)
    params = pending.params
    total = params["amount_fen"] + params["interest_fen"] + params["costs_fen"]
    args = (sub_range.start, sub_range.end, pending.requester, command.actor, total)
    return [RecourseSettled(*args, at=context.now)]


def tick(bill: Bill | None, command: TickCommand, context: Context) -> list[BillEvent]:
    """Record what the clock decided: lapsed requests, and silent bank acceptors.

    An empty list means nothing was due; the service need not append the command then.
    """
    bill = existing(bill)
    require_kind(context, command.actor, ("operator",), BillNotOperator, "timer")
    events = []
    for sub_range in bill.ranges:
        pending = sub_range.pending
        if pending is None:
            continue
        if pending.type is RequestType.PAYMENT:
            if bill.is_bank_acceptance and context.today >= _agent_day(pending, context):
                events.append(_dishonoured(bill, sub_range, pending, NO_ANSWER, True, context))
        elif context.today > pending.deadline:
            where = (sub_range.start, sub_range.end, str(pending.type))
            events.append(RequestExpired(*where, at=context.now))
    return events


def _dates(bill: Bill) -> dict:
    return {"maturity_date": bill.maturity_date.isoformat()}


def _range(bill: Bill | None, start: int, act: str) -> tuple[Bill, SubRange]:
    bill = existing(bill)
    require_status(bill, CIRCULATING, act)
    return bill, range_at(bill, start)


def _require_creditor(actor: str, sub_range: SubRange) -> None:
    if actor == sub_range.creditor:
        return
    if actor == sub_range.holder:
        raise BillRangePledged("the pledgee exercises a pledged range's rights")
    raise BillNotHolder("only the holder (or pledgee) of the range may do this")


def _payment_answer(bill, command, context) -> tuple[Bill, SubRange, PendingRequest]:
    bill = existing(bill)
    sub_range = range_at(bill, command.start)
    pending = require_pending(sub_range, (RequestType.PAYMENT,))
    require_counterparty(command.actor, pending)
    if bill.is_bank_acceptance and context.today > pending.deadline:
        details = {"deadline": pending.deadline.isoformat()}
        raise BillAnswerDeadlinePassed("the access institution answers from day three", details)
    return bill, sub_range, pending


def _agent_day(pending: PendingRequest, context: Context):
    return agent_answer_day(pending.deadline, context.calendar)


def _dishonoured(bill, sub_range, pending, reason, deemed, context) -> BillDishonoured:
    late = pending.params["late"]
    args = (sub_range.start, sub_range.end, bill.acceptor, pending.requester, reason, late)
    return BillDishonoured(*args, deemed, at=context.now)
