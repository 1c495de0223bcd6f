"""Requests on a range in circulation: endorse (背书转让), guarantee (保证), pledge and release
(质押/解质押), discount (贴现) and rediscount (转贴现). Each is phase one of two: the named
counterparty signs or rejects it (``answers``), or the holder withdraws it.

A request on part of a held range first splits it (``bill_split``) — only on a splittable
bill — so that the part is a range of its own and several parts can be offered at once.

不得转让: the drawer's mark (at issue) bars every transfer: endorsement, discount, rediscount
and pledge (票据法 Art. 27; 最高法票据纠纷规定 Art. 52: who takes such a bill by discount or
pledge acquires no rights, so the platform refuses rather than record a void act). An
endorser's mark bars further endorsement of that range (ECDS rule); the holder may
still discount or pledge it (规定 Art. 53 treats those as valid), and the marking endorser
owes nothing to anyone after its own endorsee (see ``liability``).
"""

from __future__ import annotations

from services.bills.domain.bill import (
    PRE_DELIVERY,
    Bill,
    Context,
    PackageStatus,
    RangeStatus,
    SubRange,
)
from services.bills.domain.commands import (
    Discount,
    Endorse,
    Guarantee,
    Pledge,
    RangeCommand,
    Rediscount,
    ReleasePledge,
)
from services.bills.domain.events import (
    BillEvent,
    BillSplit,
    DiscountRequested,
    EndorsementRequested,
    GuaranteeRequested,
    PledgeReleaseRequested,
    PledgeRequested,
    RediscountRequested,
)
from services.bills.domain.guards import (
    BANK,
    CIRCULATING,
    ENTERPRISE,
    ENTERPRISE_OR_BANK,
    existing,
    require_actor,
    require_idle,
    require_kind,
    require_open,
    require_status,
)
from services.bills.domain.ranges import containing, range_at, split_points
from services.bills.domain.timing import (
    last_day_before_maturity,
    presentment_window_end,
    request_deadline,
)
from services.bills.errors import (
    BillChainBroken,
    BillGuarantorIsParty,
    BillMatured,
    BillNotBank,
    BillNotEnterprise,
    BillNotHolder,
    BillNotPledged,
    BillNotSplittable,
    BillNotTransferable,
    BillPartyNotEligible,
    BillPresentmentWindowClosed,
    BillRangeInvalid,
    BillRangePledged,
)


def endorse(bill: Bill | None, command: Endorse, context: Context) -> list[BillEvent]:
    bill, held = _held(bill, command, "endorse")
    if bill.not_transferable or any(step.not_transferable for step in held.chain):
        raise BillNotTransferable("a 不得转让 mark bars endorsing this range")
    _require_unpledged(held)
    deadline = _before_window_closes(bill, context)
    _require_continuous(bill, held)
    require_kind(context, command.actor, ENTERPRISE, BillNotEnterprise, "endorser")
    require_kind(context, command.endorsee, ENTERPRISE, BillNotEnterprise, "endorsee")
    request = EndorsementRequested(
        command.start,
        command.end,
        command.actor,
        command.endorsee,
        command.not_transferable,
        deadline,
        at=context.now,
    )
    return [*_split_for(bill, held, command, context), request]


def guarantee(bill: Bill | None, command: Guarantee, context: Context) -> list[BillEvent]:
    if existing(bill).status in PRE_DELIVERY:
        return _guarantee_before_delivery(bill, command, context)
    bill, held = _held(bill, command, "guarantee")
    deadline = _before_window_closes(bill, context)
    _require_guarantor(bill, held, command.guarantor, context)
    request = GuaranteeRequested(
        command.start, command.end, command.actor, command.guarantor, deadline, at=context.now
    )
    return [*_split_for(bill, held, command, context), request]


def pledge(bill: Bill | None, command: Pledge, context: Context) -> list[BillEvent]:
    bill, held = _held(bill, command, "pledge")
    _require_drawer_allows_transfer(bill)
    _require_unpledged(held)
    deadline = _before_window_closes(bill, context)
    require_kind(context, command.pledgee, ENTERPRISE_OR_BANK, BillPartyNotEligible, "pledgee")
    request = PledgeRequested(
        command.start, command.end, command.actor, command.pledgee, deadline, at=context.now
    )
    return [*_split_for(bill, held, command, context), request]


def release_pledge(bill: Bill | None, command: ReleasePledge, context: Context) -> list:
    bill = existing(bill)
    require_status(bill, CIRCULATING, "release a pledge on")
    pledged = range_at(bill, command.start)
    if pledged.status is not RangeStatus.DISHONOURED:
        require_open(pledged, "release a pledge on")
    require_actor(command.actor, pledged.holder, BillNotHolder, "holder")
    require_idle(pledged)
    if pledged.pledgee is None:
        raise BillNotPledged("the range is not pledged", {"start": pledged.start})
    deadline = request_deadline(context.today, None, context.calendar)
    args = (pledged.start, pledged.end, pledged.holder, pledged.pledgee, deadline)
    return [PledgeReleaseRequested(*args, at=context.now)]


def discount(bill: Bill | None, command: Discount, context: Context) -> list[BillEvent]:
    """贴现: an enterprise holder sells the range to a bank at ``rate_bp`` a year."""
    return _discount(bill, command, context, ENTERPRISE, BillNotEnterprise, DiscountRequested)


def rediscount(bill: Bill | None, command: Rediscount, context: Context) -> list[BillEvent]:
    """转贴现: a bank holder sells the range on to another bank."""
    return _discount(bill, command, context, BANK, BillNotBank, RediscountRequested)


def _discount(bill, command, context, seller_kinds, seller_error, event) -> list[BillEvent]:
    bill, held = _held(bill, command, "discount")
    _require_drawer_allows_transfer(bill)
    _require_unpledged(held)
    last_day = last_day_before_maturity(bill)
    if context.today > last_day:
        raise BillMatured("a range is discounted before maturity")
    require_kind(context, command.actor, seller_kinds, seller_error, "seller")
    require_kind(context, command.bank, BANK, BillNotBank, "buyer")
    deadline = request_deadline(context.today, last_day, context.calendar)
    args = (command.start, command.end, command.actor, command.bank, command.rate_bp)
    request = event(*args, deadline, at=context.now)
    return [*_split_for(bill, held, command, context), request]


def _held(bill: Bill | None, command: RangeCommand, act: str) -> tuple[Bill, SubRange]:
    """The bill and the range that contains the command's sub-tickets, held by the signer."""
    bill = existing(bill)
    require_status(bill, CIRCULATING, act)
    held = containing(bill, command.start, command.end)
    require_open(held, act)
    require_actor(command.actor, held.holder, BillNotHolder, "holder")
    require_idle(held)
    return bill, held


def _split_for(bill: Bill, held: SubRange, command: RangeCommand, context: Context) -> list:
    points = split_points(held, command.start, command.end)
    if not points:
        return []
    if not bill.splittable:
        raise BillNotSplittable("this bill moves whole", {"start": held.start, "end": held.end})
    return [BillSplit(held.start, held.end, points, at=context.now)]


def _before_window_closes(bill: Bill, context: Context):
    window_end = presentment_window_end(bill, context.calendar)
    if context.today > window_end:
        details = {"window_end": window_end.isoformat()}
        raise BillPresentmentWindowClosed("the payment presentment window has closed", details)
    return request_deadline(context.today, window_end, context.calendar)


def _require_drawer_allows_transfer(bill: Bill) -> None:
    if bill.not_transferable:
        raise BillNotTransferable("the drawer marked this bill 不得转让")


def _require_unpledged(held: SubRange) -> None:
    if held.pledgee is not None:
        raise BillRangePledged("release the pledge first", {"pledgee": held.pledgee})


def _require_continuous(bill: Bill, held: SubRange) -> None:
    last_endorsee = held.chain[-1].endorsee if held.chain else bill.payee
    if held.holder != last_endorsee:
        details = {"holder": held.holder, "last_endorsee": last_endorsee}
        raise BillChainBroken("the holder is not the last endorsee of the range", details)


def _require_guarantor(bill: Bill, held: SubRange, guarantor: str, context: Context) -> None:
    require_kind(context, guarantor, ENTERPRISE_OR_BANK, BillPartyNotEligible, "guarantor")
    parties = {bill.drawer, bill.acceptor, bill.payee, held.holder}
    parties.update(party for step in held.chain for party in (step.endorser, step.endorsee))
    parties.update(existing_guarantee.guarantor for existing_guarantee in held.guarantees)
    if guarantor in parties:
        raise BillGuarantorIsParty("a guarantor is not already a party to the range")


def _guarantee_before_delivery(bill: Bill, command: Guarantee, context: Context) -> list:
    """出票保证 by the drawer, or 承兑保证 by the acceptor once it accepted, on the whole bill."""
    allowed = {PackageStatus.DRAFTED: (bill.drawer,)}
    allowed[PackageStatus.ACCEPTED] = (bill.drawer, bill.acceptor)
    require_status(bill, allowed, "ask for a guarantee on")
    whole = bill.ranges[0]
    if command.actor not in allowed[bill.status]:
        raise BillNotHolder("before delivery the drawer or acceptor asks for guarantees")
    if (command.start, command.end) != (whole.start, whole.end):
        raise BillRangeInvalid("before delivery a guarantee covers the whole bill")
    require_idle(whole)
    last_day = last_day_before_maturity(bill)
    if context.today > last_day:
        raise BillMatured("a guarantee before delivery comes before maturity")
    _require_guarantor(bill, whole, command.guarantor, context)
    deadline = request_deadline(context.today, last_day, context.calendar)
    args = (whole.start, whole.end, command.actor, command.guarantor, deadline)
    return [GuaranteeRequested(*args, at=context.now)]
