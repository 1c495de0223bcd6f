"""The bill domain's interface: ``decide``, ``evolve`` and ``apply`` (event-sourced, pure).

    decide(bill, command, context) -> list[BillEvent]   # refuses with a bills error
    evolve(bill, event) -> Bill                         # never refuses
    apply(bill, command, context) -> (Bill, list[BillEvent])

``bill`` is ``None`` before ``bill.issue``. ``command`` is a ``BillCommand(type, actor, body)``
straight from a signed envelope (``actor`` = signer) or an already parsed command. ``decide``
depends only on its three arguments, so replaying a stream entry by entry — with each entry's
ledger time as ``context.now`` — reproduces the same events; ``evolve`` alone rebuilds state
from stored events. The stream version belongs to the ledger, not to the bill.

Rule set (sources in docs/sources.md; each rule has a test):

- Limits: face ≤ 1,000,000,000.00 CNY; maturity after issue and ≤ 6 calendar months after
  it; the issue date is today's China date. Bank acceptance bills have a bank acceptor;
  commercial ones an enterprise acceptor (the drawer may accept its own bill).
- Two-phase acts (acceptance, receipt, endorsement, guarantee, pledge and release, discount,
  rediscount, recourse): request → counterparty signs or rejects, requester may withdraw.
  A request lapses (``bill.tick``) after 10 business days, or earlier on the last day its act
  is allowed (platform rule; see ``timing``). Only the holder acts on a range.
- Splitting: a request on part of a range splits it first, on splittable bills only.
- 不得转让: drawer's mark bars endorsement, discount, rediscount and pledge; an endorser's mark
  bars further endorsement and excuses that endorser towards later holders (``circulation``,
  ``liability``). A pledged range is not endorsed, discounted or re-pledged; its pledgee
  presents it and claims recourse. Endorsement, pledge and guarantee end with the presentment
  window (maturity + 10 days, rolled to a business day) or at dishonour; discount, acceptance
  and receipt end the day before maturity.
- Payment and silence (``settlement``): bank acceptance → deemed dishonour on day three;
  commercial acceptance → manual answer.
- Recourse and limitation (``liability``): any liable party, jointly and severally; 2 years
  from maturity against drawer and acceptor, 6 months from dishonour against endorsers, 3 months
  from one's own settlement for a further claim; late presentment loses the endorsers.
- Discount pricing (``pricing``): actual/360 to the business-day-adjusted maturity, interest
  rounded half up to the fen.
"""

from __future__ import annotations

from services.bills.domain import answers, circulation, issuance, settlement
from services.bills.domain import commands as c
from services.bills.domain.bill import Bill, Context
from services.bills.domain.commands import BillCommand, Command, as_command, parse_command
from services.bills.domain.events import BillEvent, event_from_dict
from services.bills.domain.evolution import evolve
from services.bills.domain.liability import recourse_targets
from services.bills.domain.pricing import DiscountQuote, quote_discount
from services.bills.domain.ranges import amount_held_by, holdings, parties_on, range_map

__all__ = [
    "Bill",
    "BillCommand",
    "BillEvent",
    "Context",
    "DiscountQuote",
    "amount_held_by",
    "apply",
    "decide",
    "event_from_dict",
    "evolve",
    "holdings",
    "parse_command",
    "parties_on",
    "quote_discount",
    "range_map",
    "recourse_targets",
]

_DECIDERS = {
    c.Issue: issuance.issue,
    c.PresentAcceptance: issuance.present_acceptance,
    c.Accept: issuance.accept,
    c.RefuseAcceptance: issuance.refuse_acceptance,
    c.PresentReceipt: issuance.present_receipt,
    c.Receive: issuance.receive,
    c.RefuseReceipt: issuance.refuse_receipt,
    c.Revoke: issuance.revoke,
    c.Endorse: circulation.endorse,
    c.Guarantee: circulation.guarantee,
    c.Pledge: circulation.pledge,
    c.ReleasePledge: circulation.release_pledge,
    c.Discount: circulation.discount,
    c.Rediscount: circulation.rediscount,
    c.PresentPayment: settlement.present_payment,
    c.Pay: settlement.pay,
    c.Dishonour: settlement.dishonour,
    c.ClaimRecourse: settlement.claim_recourse,
    c.SettleRecourse: settlement.settle_recourse,
    c.Sign: answers.sign,
    c.Reject: answers.reject,
    c.Withdraw: answers.withdraw,
    c.Tick: settlement.tick,
}


def decide(bill: Bill | None, command: BillCommand | Command, context: Context) -> list[BillEvent]:
    """The events ``command`` causes on ``bill`` now, or a bills error saying why not.

    >>> decide(bill, BillCommand("bill.endorse", "ent-tier1",  # doctest: +SKIP
    ...     {"start": 1, "end": 30000000, "endorsee": "ent-tier2"}), context)
    [BillSplit(start=1, end=100000000, points=(30000001,), ...), EndorsementRequested(...)]
    """
    parsed = as_command(command)
    return list(_DECIDERS[type(parsed)](bill, parsed, context))


def apply(
    bill: Bill | None, command: BillCommand | Command, context: Context
) -> tuple[Bill, list[BillEvent]]:
    """``decide``, then ``evolve`` every event: the new state and what happened."""
    events = decide(bill, command, context)
    for event in events:
        bill = evolve(bill, event)
    return bill, events
