"""Receivable financing (stream ``financing:<financing_id>``): state, events and evolve.

An SME pledges confirmed invoices (each for an amount of its outstanding receivable) and asks
a bank for a loan of at most their sum. Status:

    eligible | ineligible      — the automatic checks' verdict, recorded with the application
    eligible → approved        — the bank's credit decision
    eligible | approved → declined
    approved → disbursed       — once the bank's claims sit on every pledged invoice
    disbursed → repaid         — when repayments reach the disbursed amount
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from services.invoices.domain.messages import Event, TypedCommand
from services.invoices.errors import FinancingInvalidState, FinancingNotFound, FinancingNotLender

ELIGIBLE, INELIGIBLE, APPROVED = "eligible", "ineligible", "approved"
DECLINED, DISBURSED, REPAID = "declined", "disbursed", "repaid"


@dataclass(frozen=True)
class Pledge:
    """An invoice pledged to the financing, for ``amount_fen`` of its receivable."""

    number: str
    amount_fen: int

    @classmethod
    def from_dict(cls, payload: dict) -> Pledge:
        return cls(**payload)


@dataclass(frozen=True)
class Reason:
    """Why the automatic checks found an application ineligible; ``subject`` is the invoice
    number or trade id concerned, or ``None`` for the application as a whole."""

    code: str
    message: str
    subject: str | None

    @classmethod
    def from_dict(cls, payload: dict) -> Reason:
        return cls(**payload)


@dataclass(frozen=True)
class FinancingState:
    financing_id: str
    applicant: str
    bank: str
    pledges: tuple[Pledge, ...]
    amount_fen: int
    status: str = ELIGIBLE
    reasons: tuple[Reason, ...] = ()
    available_credit_fen: int | None = None  # the credit the assessment found (None: no limit)
    disbursement_ref: str | None = None
    repaid_fen: int = 0
    repayment_refs: frozenset[str] = frozenset()


def require_financing(state: FinancingState | None) -> FinancingState:
    if state is None:
        raise FinancingNotFound("no financing on this stream")
    return state


def require_lender(financing: FinancingState, actor: str) -> None:
    if actor != financing.bank:
        raise FinancingNotLender("only the bank applied to may act on this financing")


def require_financing_status(financing: FinancingState, *allowed: str) -> None:
    if financing.status not in allowed:
        raise FinancingInvalidState(
            f"the financing is {financing.status}",
            {"status": financing.status, "allowed": list(allowed)},
        )


@dataclass(frozen=True)
class FinancingCommand(TypedCommand):
    """Base of the commands on ``financing:<financing_id>``."""

    AGGREGATE = "financing"
    financing_id: str

    @property
    def stream_key(self) -> str:
        return self.financing_id


# --- events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FinancingEvent(Event):
    AGGREGATE = "financing"
    financing_id: str


@dataclass(frozen=True)
class FinancingApplied(FinancingEvent):
    name = "financing_applied"
    NESTED = {"pledges": Pledge}
    applicant: str
    bank: str
    pledges: tuple[Pledge, ...]
    amount_fen: int


@dataclass(frozen=True)
class FinancingAssessed(FinancingEvent):
    """``decision``: ``eligible`` or ``ineligible``; ``available_credit_fen``: the credit limit
    the check used, ``None`` when none applied."""

    name = "financing_assessed"
    NESTED = {"reasons": Reason}
    decision: str
    reasons: tuple[Reason, ...]
    available_credit_fen: int | None


@dataclass(frozen=True)
class FinancingApproved(FinancingEvent):
    name = "financing_approved"
    bank: str
    amount_fen: int


@dataclass(frozen=True)
class FinancingDeclined(FinancingEvent):
    name = "financing_declined"
    bank: str
    reason: str | None


@dataclass(frozen=True)
class FinancingDisbursed(FinancingEvent):
    name = "financing_disbursed"
    bank: str
    amount_fen: int
    disbursement_ref: str


@dataclass(frozen=True)
class FinancingRepaid(FinancingEvent):
    name = "financing_repaid"
    repayment_ref: str
    amount_fen: int
    repaid_fen: int
    fully_repaid: bool


def evolve_financing(state: FinancingState | None, event: Event) -> FinancingState:
    """Apply one financing-stream event; ``state`` is ``None`` before the application."""
    if isinstance(event, FinancingApplied):
        return FinancingState(**{item.name: getattr(event, item.name) for item in fields(event)})
    if state is None:
        raise ValueError(f"{event.name} does not apply to an empty financing")
    if isinstance(event, FinancingAssessed):
        available = event.available_credit_fen
        return replace(
            state, status=event.decision, reasons=event.reasons, available_credit_fen=available
        )
    if isinstance(event, FinancingApproved):
        return replace(state, status=APPROVED)
    if isinstance(event, FinancingDeclined):
        return replace(state, status=DECLINED)
    if isinstance(event, FinancingDisbursed):
        return replace(state, status=DISBURSED, disbursement_ref=event.disbursement_ref)
    if isinstance(event, FinancingRepaid):
        return _repaid(state, event)
    raise ValueError(f"{event.name} does not apply to a financing")


def _repaid(state: FinancingState, event: FinancingRepaid) -> FinancingState:
    return replace(
        state,
        status=REPAID if event.fully_repaid else state.status,
        repaid_fen=event.repaid_fen,
        repayment_refs=state.repayment_refs | {event.repayment_ref},
    )
