"""Bill events: past-tense facts, each a frozen dataclass with a stable ``name``.

``to_dict()`` is JSON-safe (ints for money and sub-tickets, ``YYYY-MM-DD`` dates, RFC 3339 UTC
times ending in ``Z``) and ``event_from_dict`` reads it back. Every event carries ``at``, the
ledger time of the entry that caused it; the service adds the entry id when it publishes.
Events are self-contained: ``evolution`` applies them without consulting the command.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from typing import ClassVar

from services.bills.errors import BillFieldInvalid

EVENT_TYPES: dict[str, type[BillEvent]] = {}


@dataclass(frozen=True)
class BillEvent:
    name: ClassVar[str] = "bill_event"
    at: datetime = field(kw_only=True)

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:  # concrete events name themselves; bases do not
            EVENT_TYPES[cls.name] = cls

    def to_dict(self) -> dict:
        return {"name": self.name, **{f.name: _plain(getattr(self, f.name)) for f in fields(self)}}


@dataclass(frozen=True)
class BillIssued(BillEvent):
    name: ClassVar[str] = "bill_issued"
    package_no: str
    kind: str
    supply_chain: bool
    drawer: str
    acceptor: str
    payee: str
    amount_fen: int
    issue_date: date
    maturity_date: date
    splittable: bool
    not_transferable: bool


@dataclass(frozen=True)
class AcceptancePresented(BillEvent):
    name: ClassVar[str] = "acceptance_presented"
    drawer: str
    acceptor: str
    deadline: date


@dataclass(frozen=True)
class BillAccepted(BillEvent):
    name: ClassVar[str] = "bill_accepted"
    acceptor: str


@dataclass(frozen=True)
class AcceptanceRefused(BillEvent):
    name: ClassVar[str] = "acceptance_refused"
    acceptor: str
    reason: str


@dataclass(frozen=True)
class ReceiptPresented(BillEvent):
    name: ClassVar[str] = "receipt_presented"
    drawer: str
    payee: str
    deadline: date


@dataclass(frozen=True)
class BillReceived(BillEvent):
    name: ClassVar[str] = "bill_received"
    payee: str


@dataclass(frozen=True)
class ReceiptRefused(BillEvent):
    name: ClassVar[str] = "receipt_refused"
    payee: str
    reason: str


@dataclass(frozen=True)
class BillRevoked(BillEvent):
    name: ClassVar[str] = "bill_revoked"
    drawer: str


@dataclass(frozen=True)
class BillSplit(BillEvent):
    """Range ``[start, end]`` became pieces starting at ``start`` and at each of ``points``."""

    name: ClassVar[str] = "bill_split"
    start: int
    end: int
    points: tuple[int, ...]


@dataclass(frozen=True)
class RangeEvent(BillEvent):  # the base of the events about one sub-range [start, end]
    start: int
    end: int


@dataclass(frozen=True)
class EndorsementRequested(RangeEvent):
    name: ClassVar[str] = "endorsement_requested"
    endorser: str
    endorsee: str
    not_transferable: bool
    deadline: date


@dataclass(frozen=True)
class BillEndorsed(RangeEvent):
    name: ClassVar[str] = "bill_endorsed"
    endorser: str
    endorsee: str
    not_transferable: bool


@dataclass(frozen=True)
class GuaranteeRequested(RangeEvent):
    name: ClassVar[str] = "guarantee_requested"
    guaranteed: str
    guarantor: str
    deadline: date


@dataclass(frozen=True)
class BillGuaranteed(RangeEvent):
    name: ClassVar[str] = "bill_guaranteed"
    guaranteed: str
    guarantor: str


@dataclass(frozen=True)
class PledgeRequested(RangeEvent):
    name: ClassVar[str] = "pledge_requested"
    pledgor: str
    pledgee: str
    deadline: date


@dataclass(frozen=True)
class BillPledged(RangeEvent):
    name: ClassVar[str] = "bill_pledged"
    pledgor: str
    pledgee: str


@dataclass(frozen=True)
class PledgeReleaseRequested(PledgeRequested):
    name: ClassVar[str] = "pledge_release_requested"


@dataclass(frozen=True)
class PledgeReleased(BillPledged):
    name: ClassVar[str] = "pledge_released"


@dataclass(frozen=True)
class DiscountRequested(RangeEvent):
    name: ClassVar[str] = "discount_requested"
    applicant: str
    bank: str
    rate_bp: int
    deadline: date


@dataclass(frozen=True)
class BillDiscounted(RangeEvent):  # priced by ``pricing.quote_discount`` on discount_date
    name: ClassVar[str] = "bill_discounted"
    applicant: str
    bank: str
    rate_bp: int
    discount_date: date
    adjusted_maturity: date
    days: int
    interest_fen: int
    proceeds_fen: int


@dataclass(frozen=True)
class RediscountRequested(DiscountRequested):
    name: ClassVar[str] = "rediscount_requested"


@dataclass(frozen=True)
class BillRediscounted(BillDiscounted):
    name: ClassVar[str] = "bill_rediscounted"


@dataclass(frozen=True)
class PaymentPresented(RangeEvent):
    """``deadline`` is the acceptor's last answer day; ``late`` = after the presentment window."""

    name: ClassVar[str] = "payment_presented"
    presenter: str
    acceptor: str
    late: bool
    deadline: date


@dataclass(frozen=True)
class BillPaid(RangeEvent):
    name: ClassVar[str] = "bill_paid"
    acceptor: str
    paid_to: str
    amount_fen: int


@dataclass(frozen=True)
class BillDishonoured(RangeEvent):
    """``deemed``: recorded by the timer for a silent acceptor (its access institution's answer)."""

    name: ClassVar[str] = "bill_dishonoured"
    acceptor: str
    creditor: str
    reason: str
    late: bool
    deemed: bool


@dataclass(frozen=True)
class RecourseClaimed(RangeEvent):
    name: ClassVar[str] = "recourse_claimed"
    claimant: str
    against: str
    amount_fen: int
    interest_fen: int
    costs_fen: int
    deadline: date


@dataclass(frozen=True)
class RecourseSettled(RangeEvent):
    """``settled_by`` paid ``total_fen`` and now holds the range (and may claim further back)."""

    name: ClassVar[str] = "recourse_settled"
    claimant: str
    settled_by: str
    total_fen: int


@dataclass(frozen=True)
class RequestWithdrawn(RangeEvent):
    name: ClassVar[str] = "request_withdrawn"
    request_type: str
    requester: str


@dataclass(frozen=True)
class RequestRejected(RangeEvent):
    name: ClassVar[str] = "request_rejected"
    request_type: str
    counterparty: str
    reason: str


@dataclass(frozen=True)
class RequestExpired(RangeEvent):
    name: ClassVar[str] = "request_expired"
    request_type: str


def event_from_dict(data: dict) -> BillEvent:
    """Read back what ``to_dict`` wrote (e.g. an event stored in a projection or on the wire)."""
    cls = EVENT_TYPES.get(data.get("name")) if isinstance(data, dict) else None
    if cls is None:
        raise BillFieldInvalid("not a bill event", {"field": "name"})
    try:
        return cls(**{f.name: _typed(f.type, data[f.name]) for f in fields(cls)})
    except (KeyError, TypeError, ValueError) as exc:
        raise BillFieldInvalid(f"malformed {cls.name} event: {exc}", {"field": str(exc)}) from None


def _plain(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return list(value) if isinstance(value, tuple) else value


def _typed(annotation: str, value):
    if annotation == "datetime":
        return datetime.fromisoformat(value)
    if annotation == "date":
        return date.fromisoformat(value)
    return tuple(value) if annotation.startswith("tuple") else value
