"""Events of the invoice stream and ``evolve_invoice``.

Amounts in events are integer fen; every event carries the invoice ``number``. The financing
registry's events (``financing_claimed``, ``financing_claim_released``, ``financing_diluted``)
live on the invoice stream too, so claims change atomically with the invoice's version.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from services.invoices.domain.invoice import Claim, InvoiceLine, InvoiceState, ReversalRequest
from services.invoices.domain.messages import Event


@dataclass(frozen=True)
class InvoiceEvent(Event):
    AGGREGATE = "invoice"
    number: str


@dataclass(frozen=True)
class InvoiceIssued(InvoiceEvent):
    name = "invoice_issued"
    NESTED = {"lines": InvoiceLine}
    issue_date: str
    seller: str
    seller_credit_code: str
    buyer_credit_code: str
    lines: tuple[InvoiceLine, ...]
    amount_fen: int
    tax_fen: int
    total_fen: int
    trade_id: str | None


@dataclass(frozen=True)
class InvoiceConfirmed(InvoiceEvent):
    name = "invoice_confirmed"
    buyer: str


@dataclass(frozen=True)
class InvoiceLinkedToTrade(InvoiceEvent):
    name = "invoice_linked_to_trade"
    trade_id: str


@dataclass(frozen=True)
class InvoiceReversalRequested(InvoiceEvent):
    name = "invoice_reversal_requested"
    reversal_id: str
    amount_fen: int
    tax_fen: int
    reason: str | None


@dataclass(frozen=True)
class InvoiceReversalRejected(InvoiceEvent):
    name = "invoice_reversal_rejected"
    reversal_id: str
    reason: str | None


@dataclass(frozen=True)
class InvoiceReversalWithdrawn(InvoiceEvent):
    name = "invoice_reversal_withdrawn"
    reversal_id: str


@dataclass(frozen=True)
class InvoiceReversed(InvoiceEvent):
    """``approved_by`` is the buyer who countersigned, ``None`` before confirmation."""

    name = "invoice_reversed"
    reversal_id: str
    amount_fen: int
    tax_fen: int
    outstanding_fen: int
    approved_by: str | None


@dataclass(frozen=True)
class FinancingClaimed(InvoiceEvent):
    name = "financing_claimed"
    claim_id: str
    bank: str
    amount_fen: int


@dataclass(frozen=True)
class FinancingClaimReleased(InvoiceEvent):
    """``reason``: ``released`` (by the bank), ``repaid`` (a payment to this claim), ``paid``
    (a payment elsewhere left too little outstanding), ``reversed`` (a reversal did)."""

    name = "financing_claim_released"
    claim_id: str
    bank: str
    amount_fen: int
    remaining_fen: int
    reason: str


@dataclass(frozen=True)
class FinancingDiluted(InvoiceEvent):
    """Alert to one claim's bank that a reversal reduced the invoice it finances."""

    name = "financing_diluted"
    claim_id: str
    bank: str
    reversal_id: str
    reversed_fen: int
    outstanding_fen: int
    claim_before_fen: int
    claim_after_fen: int


@dataclass(frozen=True)
class InvoicePaymentRecorded(InvoiceEvent):
    """``method``: ``transfer`` (reference = payment ref) or ``bill`` (reference = bill no.)."""

    name = "invoice_payment_recorded"
    method: str
    reference: str
    amount_fen: int
    recorded_by: str
    claim_id: str | None
    outstanding_fen: int


@dataclass(frozen=True)
class InvoiceSettled(InvoiceEvent):
    name = "invoice_settled"
    paid_fen: int


# --- evolve -------------------------------------------------------------------------------


def evolve_invoice(state: InvoiceState | None, event: Event) -> InvoiceState:
    """Apply one invoice-stream event; ``state`` is ``None`` before ``invoice_issued``."""
    if isinstance(event, InvoiceIssued):
        return _issued(event)
    apply = _APPLY.get(type(event))
    if apply is None or state is None:
        raise ValueError(f"{event.name} does not apply to invoice state {state!r}")
    return apply(state, event)


def _issued(event: InvoiceIssued) -> InvoiceState:
    return InvoiceState(**{item.name: getattr(event, item.name) for item in fields(event)})


def _reversed(state: InvoiceState, event: InvoiceReversed) -> InvoiceState:
    return replace(
        state,
        reversed_amount_fen=state.reversed_amount_fen + event.amount_fen,
        reversed_tax_fen=state.reversed_tax_fen + event.tax_fen,
        pending_reversal=None,
        references=state.references | {f"reversal:{event.reversal_id}"},
    )


def _requested(state: InvoiceState, event: InvoiceReversalRequested) -> InvoiceState:
    request = ReversalRequest(event.reversal_id, event.amount_fen, event.tax_fen, event.reason)
    references = state.references | {f"reversal:{event.reversal_id}"}
    return replace(state, pending_reversal=request, references=references)


def _claimed(state: InvoiceState, event: FinancingClaimed) -> InvoiceState:
    claim = Claim(event.claim_id, event.bank, event.amount_fen)
    references = state.references | {f"claim:{event.claim_id}"}
    return replace(state, claims=(*state.claims, claim), references=references)


def _released(state: InvoiceState, event: FinancingClaimReleased) -> InvoiceState:
    claims = tuple(
        replace(claim, amount_fen=event.remaining_fen)
        if claim.claim_id == event.claim_id
        else claim
        for claim in state.claims
    )
    return replace(state, claims=tuple(claim for claim in claims if claim.amount_fen > 0))


def _paid(state: InvoiceState, event: InvoicePaymentRecorded) -> InvoiceState:
    reference = f"{event.method}:{event.reference}"
    return replace(
        state, paid_fen=state.paid_fen + event.amount_fen, references=state.references | {reference}
    )


_APPLY = {
    InvoiceConfirmed: lambda state, event: replace(state, buyer=event.buyer),
    InvoiceLinkedToTrade: lambda state, event: replace(state, trade_id=event.trade_id),
    InvoiceReversalRequested: _requested,
    InvoiceReversalRejected: lambda state, event: replace(state, pending_reversal=None),
    InvoiceReversalWithdrawn: lambda state, event: replace(state, pending_reversal=None),
    InvoiceReversed: _reversed,
    FinancingClaimed: _claimed,
    FinancingClaimReleased: _released,
    FinancingDiluted: lambda state, event: state,  # an alert; the cut is a claim release
    InvoicePaymentRecorded: _paid,
    InvoiceSettled: lambda state, event: state,  # status is derived from the amounts
}
