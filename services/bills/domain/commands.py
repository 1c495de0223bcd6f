"""Bill commands: the body of a signed ``bill.*`` envelope, parsed into a typed dataclass.

``parse_command(type, actor, body)`` checks the body's shape — exactly the listed fields, the
right types, amounts as whole fen, dates as ``YYYY-MM-DD``, sub-tickets as positive ints,
party ids as the ledger's signer ids — and the rules that need nothing but the body (amount
cap, tenor, distinct parties). It raises ``ValidationFailed`` subclasses with stable codes.
``actor`` is always the envelope's signer; a body never names who acts.

Types and bodies (``?`` = optional, default after ``=``); before delivery every request sits
on the one range starting at 1, so answers and withdrawals always name a ``start``:

    bill.issue               {package_no, kind, acceptor, payee, amount_fen, issue_date,
                              maturity_date, supply_chain?=false, splittable?=true,
                              not_transferable?=false}                          by the drawer
    bill.present_acceptance  {}   → bill.accept {} | bill.refuse_acceptance {reason}
    bill.present_receipt     {}   → bill.receive {} | bill.refuse_receipt {reason}
    bill.revoke              {}                                                 by the drawer
    bill.endorse             {start, end, endorsee, not_transferable?=false}    by the holder
    bill.guarantee           {start, end, guarantor}     by the holder (drawer/acceptor before
                                                          delivery, on the whole bill)
    bill.pledge              {start, end, pledgee}                              by the holder
    bill.release_pledge      {start}                                            by the holder
    bill.discount            {start, end, bank, rate_bp}          by an enterprise holder
    bill.rediscount          {start, end, bank, rate_bp}          by a bank holder
    bill.sign {start} | bill.reject {start, reason?=""}      answer the six requests above
    bill.withdraw            {start}                          the requester, any request
    bill.present_payment     {start}   → bill.pay {start} | bill.dishonour {start, reason}
    bill.claim_recourse      {start, against, interest_fen?=0, costs_fen?=0}
                             → bill.settle_recourse {start} | bill.reject {start, reason?}
    bill.tick                {}                                             by the operator
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from datetime import date
from typing import ClassVar

from services.bills.domain.bill import MAX_FACE_FEN, MAX_TENOR_MONTHS, BillKind
from services.bills.domain.body_fields import FIELD_PARSERS, parse_party
from services.bills.domain.calendar import add_months
from services.bills.errors import (
    BillAmountLimit,
    BillFieldInvalid,
    BillFieldMissing,
    BillFieldUnknown,
    BillMaturityNotAfterIssue,
    BillRangeInvalid,
    BillSameParty,
    BillTenorLimit,
    BillUnknownCommand,
)

COMMAND_TYPES: dict[str, type[Command]] = {}


@dataclass(frozen=True)
class BillCommand:
    """The unparsed command as it arrives in a signed envelope."""

    type: str
    actor: str
    body: dict


@dataclass(frozen=True)
class Command:
    type: ClassVar[str] = ""
    actor: str

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "type" in cls.__dict__:  # concrete commands name their type; bases do not
            COMMAND_TYPES[cls.type] = cls

    def check(self) -> None:
        """Cross-field rules that need only the body; subclasses override."""


@dataclass(frozen=True)
class Issue(Command):
    type: ClassVar[str] = "bill.issue"
    package_no: str
    kind: BillKind
    acceptor: str
    payee: str
    amount_fen: int
    issue_date: date
    maturity_date: date
    supply_chain: bool = False
    splittable: bool = True
    not_transferable: bool = False

    def check(self) -> None:
        if self.amount_fen > MAX_FACE_FEN:
            raise BillAmountLimit("a bill is at most 1,000,000,000.00 CNY", {"max": MAX_FACE_FEN})
        if self.maturity_date <= self.issue_date:
            raise BillMaturityNotAfterIssue("maturity must come after the issue date")
        if self.maturity_date > add_months(self.issue_date, MAX_TENOR_MONTHS):
            raise BillTenorLimit("maturity is at most six months after issue")
        if self.payee in (self.actor, self.acceptor):
            raise BillSameParty("the payee is neither the drawer nor the acceptor")


@dataclass(frozen=True)
class PresentAcceptance(Command):
    type: ClassVar[str] = "bill.present_acceptance"


@dataclass(frozen=True)
class Accept(Command):
    type: ClassVar[str] = "bill.accept"


@dataclass(frozen=True)
class RefuseAcceptance(Command):
    type: ClassVar[str] = "bill.refuse_acceptance"
    reason: str


@dataclass(frozen=True)
class PresentReceipt(Command):
    type: ClassVar[str] = "bill.present_receipt"


@dataclass(frozen=True)
class Receive(Command):
    type: ClassVar[str] = "bill.receive"


@dataclass(frozen=True)
class RefuseReceipt(Command):
    type: ClassVar[str] = "bill.refuse_receipt"
    reason: str


@dataclass(frozen=True)
class Revoke(Command):
    type: ClassVar[str] = "bill.revoke"


@dataclass(frozen=True)
class RangeCommand(Command):
    """A command on sub-tickets ``[start, end]``; a part of a held range splits it."""

    counterparty_field: ClassVar[str] = ""
    start: int
    end: int

    @property
    def counterparty(self) -> str:
        """The party asked to sign: the endorsee, guarantor, pledgee or bank."""
        return getattr(self, self.counterparty_field)

    def check(self) -> None:
        if self.end < self.start:
            raise BillRangeInvalid("a range ends at or after its start")
        if self.counterparty == self.actor:
            raise BillSameParty("a party cannot make this request to itself")


@dataclass(frozen=True)
class Endorse(RangeCommand):
    type: ClassVar[str] = "bill.endorse"
    counterparty_field: ClassVar[str] = "endorsee"
    endorsee: str
    not_transferable: bool = False


@dataclass(frozen=True)
class Guarantee(RangeCommand):
    type: ClassVar[str] = "bill.guarantee"
    counterparty_field: ClassVar[str] = "guarantor"
    guarantor: str


@dataclass(frozen=True)
class Pledge(RangeCommand):
    type: ClassVar[str] = "bill.pledge"
    counterparty_field: ClassVar[str] = "pledgee"
    pledgee: str


@dataclass(frozen=True)
class Discount(RangeCommand):
    type: ClassVar[str] = "bill.discount"
    counterparty_field: ClassVar[str] = "bank"
    bank: str
    rate_bp: int


@dataclass(frozen=True)
class Rediscount(Discount):
    type: ClassVar[str] = "bill.rediscount"


@dataclass(frozen=True)
class OnRange(Command):
    """A command on the whole range that starts at sub-ticket ``start``."""

    start: int


@dataclass(frozen=True)
class ReleasePledge(OnRange):
    type: ClassVar[str] = "bill.release_pledge"


@dataclass(frozen=True)
class PresentPayment(OnRange):
    type: ClassVar[str] = "bill.present_payment"


@dataclass(frozen=True)
class Pay(OnRange):
    type: ClassVar[str] = "bill.pay"


@dataclass(frozen=True)
class Dishonour(OnRange):
    type: ClassVar[str] = "bill.dishonour"
    reason: str


@dataclass(frozen=True)
class ClaimRecourse(OnRange):
    type: ClassVar[str] = "bill.claim_recourse"
    against: str
    interest_fen: int = 0
    costs_fen: int = 0


@dataclass(frozen=True)
class SettleRecourse(OnRange):
    type: ClassVar[str] = "bill.settle_recourse"


@dataclass(frozen=True)
class Sign(OnRange):
    type: ClassVar[str] = "bill.sign"


@dataclass(frozen=True)
class Reject(OnRange):
    type: ClassVar[str] = "bill.reject"
    reason: str = ""


@dataclass(frozen=True)
class Withdraw(OnRange):
    type: ClassVar[str] = "bill.withdraw"


@dataclass(frozen=True)
class Tick(Command):
    type: ClassVar[str] = "bill.tick"


def parse_command(type: str, actor: str, body: dict) -> Command:
    """Validate a signed command's body into its typed command; raises ``ValidationFailed``.

    >>> parse_command("bill.endorse", "ent-a", {"start": 1, "end": 100, "endorsee": "ent-b"})
    Endorse(actor='ent-a', start=1, end=100, endorsee='ent-b', not_transferable=False)
    """
    cls = COMMAND_TYPES.get(type)
    if cls is None:
        raise BillUnknownCommand(f"unknown bill command {type!r}", {"type": type})
    if not isinstance(body, dict):
        raise BillFieldInvalid("the body is a JSON object", {"field": "body"})
    values = {"actor": parse_party("actor", actor)}
    declared = [f for f in fields(cls) if f.name != "actor"]
    unknown = sorted(set(body) - {f.name for f in declared})
    if unknown:
        raise BillFieldUnknown(f"{type} has no field {unknown[0]!r}", {"field": unknown[0]})
    for f in declared:
        if f.name in body:
            values[f.name] = FIELD_PARSERS[f.name](f.name, body[f.name])
        elif f.default is MISSING:
            raise BillFieldMissing(f"{type} needs {f.name!r}", {"field": f.name})
    command = cls(**values)
    command.check()
    return command


def as_command(command: BillCommand | Command) -> Command:
    if isinstance(command, BillCommand):
        return parse_command(command.type, command.actor, command.body)
    return command
