"""The state of a bill package — frozen values only, rebuilt from events by ``evolution``.

A package (票据包) has a 30-digit number and a sub-ticket interval ``[1, face in fen]``: one
sub-ticket is 0.01 CNY. The interval is partitioned into ``SubRange``s, each with its own
holder, endorsement chain, pledge, guarantees, discounts, pending request and payment state.
A non-splittable bill keeps one indivisible range. Before delivery to the payee the single
range is held by the drawer, and the package-level requests (acceptance, receipt) live on it,
so every pending request of the package sits on a range.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from services.bills.domain.calendar import BusinessCalendar, china_date
from services.common.money import Money

MAX_FACE_FEN = 100_000_000_000  # 1,000,000,000.00 CNY per bill (ECDS)
MAX_TENOR_MONTHS = 6  # 商业汇票承兑、贴现与再贴现管理办法 Art. 25 (from 2023-01-01)
PRESENTMENT_WINDOW_DAYS = 10  # 票据法 Art. 53: within 10 days from maturity
# Platform rule (ECDS sets none): an unanswered two-phase request lapses after this many
# business days, or earlier when the act it asks for would no longer be allowed.
REQUEST_LIFETIME_BUSINESS_DAYS = 10


class BillKind(StrEnum):
    BANK_ACCEPTANCE = "bank_acceptance"
    COMMERCIAL_ACCEPTANCE = "commercial_acceptance"


class PackageStatus(StrEnum):
    DRAFTED = "drafted"
    ACCEPTANCE_PRESENTED = "acceptance_presented"
    ACCEPTANCE_REFUSED = "acceptance_refused"
    ACCEPTED = "accepted"
    RECEIPT_PRESENTED = "receipt_presented"
    IN_CIRCULATION = "in_circulation"
    DISHONOURED = "dishonoured"  # some range is dishonoured and not yet discharged
    SETTLED = "settled"  # every range paid, or discharged by the acceptor's recourse payment
    REVOKED = "revoked"


PRE_DELIVERY = frozenset(
    {
        PackageStatus.DRAFTED,
        PackageStatus.ACCEPTANCE_PRESENTED,
        PackageStatus.ACCEPTANCE_REFUSED,
        PackageStatus.ACCEPTED,
        PackageStatus.RECEIPT_PRESENTED,
    }
)


class RangeStatus(StrEnum):
    ACTIVE = "active"
    PAID = "paid"
    DISHONOURED = "dishonoured"
    DISCHARGED = "discharged"  # the acceptor paid the recourse claim: nobody owes any more


class RequestType(StrEnum):
    ACCEPTANCE = "acceptance"
    RECEIPT = "receipt"
    ENDORSEMENT = "endorsement"
    GUARANTEE = "guarantee"
    PLEDGE = "pledge"
    PLEDGE_RELEASE = "pledge_release"
    DISCOUNT = "discount"
    REDISCOUNT = "rediscount"
    PAYMENT = "payment"
    RECOURSE = "recourse"


class TransferKind(StrEnum):
    ENDORSEMENT = "endorsement"
    DISCOUNT = "discount"
    REDISCOUNT = "rediscount"


@dataclass(frozen=True)
class Transfer:
    """One step of a range's endorsement chain (贴现/转贴现 are transfers by endorsement too)."""

    endorser: str
    endorsee: str
    not_transferable: bool
    at: datetime
    kind: TransferKind = TransferKind.ENDORSEMENT


@dataclass(frozen=True)
class Guarantee:
    guarantor: str
    guaranteed: str
    at: datetime


@dataclass(frozen=True)
class DiscountRecord:
    applicant: str
    bank: str
    rate_bp: int
    discount_date: date
    days: int
    interest_fen: int
    proceeds_fen: int
    rediscount: bool


@dataclass(frozen=True)
class PendingRequest:
    """An unanswered request. ``deadline`` is the last China date on which an answer is timely."""

    type: RequestType
    requester: str
    counterparty: str
    requested_at: datetime
    deadline: date
    params: dict = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Dishonour:
    on: date
    reason: str
    late_presentment: bool
    deemed: bool  # recorded for the acceptor's silence, not by the acceptor


@dataclass(frozen=True)
class RecourseSettlement:
    claimant: str
    settled_by: str
    total_fen: int
    on: date


@dataclass(frozen=True)
class SubRange:
    """Sub-tickets ``[start, end]`` (inclusive, 1-based) and everything that happened to them."""

    start: int
    end: int
    holder: str
    chain: tuple[Transfer, ...] = ()
    pledgee: str | None = None
    guarantees: tuple[Guarantee, ...] = ()
    discounts: tuple[DiscountRecord, ...] = ()
    pending: PendingRequest | None = None
    status: RangeStatus = RangeStatus.ACTIVE
    dishonour: Dishonour | None = None
    recourse: tuple[RecourseSettlement, ...] = ()
    paid_on: date | None = None

    @property
    def amount_fen(self) -> int:
        return self.end - self.start + 1

    @property
    def creditor(self) -> str:
        """Who exercises the range's rights now: the pledgee while pledged (票据法 Art. 35)."""
        return self.pledgee or self.holder

    def covers(self, start: int, end: int) -> bool:
        return self.start <= start <= end <= self.end


@dataclass(frozen=True)
class Bill:
    package_no: str
    kind: BillKind
    supply_chain: bool
    drawer: str
    acceptor: str
    payee: str
    face: Money
    issue_date: date
    maturity_date: date
    splittable: bool
    not_transferable: bool  # the drawer's 不得转让 mark, made at issue
    status: PackageStatus
    ranges: tuple[SubRange, ...]
    issued_at: datetime

    @property
    def is_bank_acceptance(self) -> bool:
        return self.kind is BillKind.BANK_ACCEPTANCE


@dataclass(frozen=True)
class Context:
    """What ``decide`` may look at besides the bill and the command: the ledger's clock, the
    business calendar, and the kind of each party ("enterprise", "bank", "regulator",
    "operator", or ``None`` for a party the platform never admitted)."""

    now: datetime
    calendar: BusinessCalendar
    party_kind: Callable[[str], str | None]

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("Context.now must be timezone-aware (UTC)")

    @property
    def today(self) -> date:
        """The China business date of ``now``: every date rule is judged on it."""
        return china_date(self.now)
