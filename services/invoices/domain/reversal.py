"""Red-letter reversal (红冲), full or partial, by amount and tax.

The seller requests it. Before the buyer has confirmed, the request takes effect at once
(``invoice_reversed`` with ``approved_by = None``). Once confirmed, the payable is the buyer's
acknowledged debt, so the request waits (``invoice_reversal_requested``) until the buyer
countersigns (``invoice.approve_reversal``) or refuses; the seller may withdraw it meanwhile.
One request may wait at a time, and no new financing claim is accepted while it does.

A reversal may take at most the unreversed amount and tax, and at most the outstanding total
(what is paid cannot be reversed here: that needs a refund first). Checked again on approval,
since payments may have arrived in between.

When banks hold claims, the reversal is a dilution: claims above the new outstanding amount
are cut, newest first (``financing_claim_released``, reason ``reversed``), and every claim's
bank receives ``financing_diluted`` for its own claim only.

Commands:

- ``invoice.request_reversal`` {number, reversal_id, amount_fen, tax_fen, reason?} (seller)
- ``invoice.approve_reversal`` {number, reversal_id} (buyer)
- ``invoice.reject_reversal`` {number, reversal_id, reason?} (buyer)
- ``invoice.withdraw_reversal`` {number, reversal_id} (seller)
"""

from __future__ import annotations

from dataclasses import dataclass

from services.invoices.domain.fields import IDENTIFIER, INVOICE_NUMBER, Body
from services.invoices.domain.invoice import (
    OPEN_STATUSES,
    InvoiceCommand,
    InvoiceState,
    ReversalRequest,
    require_buyer,
    require_invoice,
    require_seller,
    require_status,
)
from services.invoices.domain.invoice_events import (
    FinancingDiluted,
    InvoiceReversalRejected,
    InvoiceReversalRequested,
    InvoiceReversalWithdrawn,
    InvoiceReversed,
)
from services.invoices.domain.messages import Context, Event
from services.invoices.domain.registry import fit_claims
from services.invoices.errors import (
    CommandBodyInvalid,
    InvoiceDuplicateReference,
    InvoiceReversalExceedsOutstanding,
    InvoiceReversalNotFound,
    InvoiceReversalPending,
)


@dataclass(frozen=True)
class RequestReversal(InvoiceCommand):
    TYPE = "invoice.request_reversal"
    reversal_id: str
    amount_fen: int
    tax_fen: int
    reason: str | None

    @classmethod
    def from_body(cls, actor: str, body: Body) -> RequestReversal:
        command = cls(
            actor,
            body.text("number", INVOICE_NUMBER),
            body.text("reversal_id", IDENTIFIER),
            body.fen("amount_fen", minimum=0),
            body.fen("tax_fen", minimum=0),
            body.optional_text("reason"),
        )
        if command.amount_fen + command.tax_fen == 0:
            raise CommandBodyInvalid(
                "a reversal reverses something", {"field": "amount_fen", "problem": "zero"}
            )
        return command

    def request(self) -> ReversalRequest:
        return ReversalRequest(self.reversal_id, self.amount_fen, self.tax_fen, self.reason)


@dataclass(frozen=True)
class AnswerReversal(InvoiceCommand):
    reversal_id: str

    @classmethod
    def from_body(cls, actor: str, body: Body) -> AnswerReversal:
        return cls(actor, body.text("number", INVOICE_NUMBER), body.text("reversal_id", IDENTIFIER))


class ApproveReversal(AnswerReversal):
    TYPE = "invoice.approve_reversal"


class WithdrawReversal(AnswerReversal):
    TYPE = "invoice.withdraw_reversal"


@dataclass(frozen=True)
class RejectReversal(AnswerReversal):
    TYPE = "invoice.reject_reversal"
    reason: str | None = None

    @classmethod
    def from_body(cls, actor: str, body: Body) -> RejectReversal:
        number = body.text("number", INVOICE_NUMBER)
        reversal_id = body.text("reversal_id", IDENTIFIER)
        return cls(actor, number, reversal_id, body.optional_text("reason"))


def request_reversal(state, command: RequestReversal, context: Context) -> list[Event]:
    invoice = require_invoice(state)
    require_seller(invoice, command.actor, context)
    require_status(invoice, OPEN_STATUSES, "reverse")
    if invoice.pending_reversal is not None:
        raise InvoiceReversalPending("another reversal awaits the buyer")
    if f"reversal:{command.reversal_id}" in invoice.references:
        raise InvoiceDuplicateReference("this reversal id is already used on the invoice")
    request = command.request()
    _check_reversible(invoice, request)
    if invoice.buyer is None:
        return apply_reversal(invoice, request, approved_by=None)
    return [
        InvoiceReversalRequested(
            invoice.number, request.reversal_id, request.amount_fen, request.tax_fen, request.reason
        )
    ]


def _check_reversible(invoice: InvoiceState, request: ReversalRequest) -> None:
    limits = {
        "amount_fen": invoice.amount_fen - invoice.reversed_amount_fen,
        "tax_fen": invoice.tax_fen - invoice.reversed_tax_fen,
    }
    too_much = [key for key, limit in limits.items() if getattr(request, key) > limit]
    if too_much or request.total_fen > invoice.outstanding_fen:
        raise InvoiceReversalExceedsOutstanding(
            "the reversal exceeds what remains unreversed and unpaid",
            {
                **{f"available_{key}": limit for key, limit in limits.items()},
                "outstanding_fen": invoice.outstanding_fen,
            },
        )


def apply_reversal(
    invoice: InvoiceState, request: ReversalRequest, approved_by: str | None
) -> list[Event]:
    """Claim cuts (newest first) so claims fit the new outstanding amount, the reversal, then
    one ``financing_diluted`` alert per claim, each naming only its own bank."""
    outstanding = invoice.outstanding_fen - request.total_fen
    cuts = fit_claims(invoice.number, invoice.claims, outstanding, "reversed")
    amounts = (request.amount_fen, request.tax_fen, outstanding, approved_by)
    reversed_event = InvoiceReversed(invoice.number, request.reversal_id, *amounts)
    return [*cuts, reversed_event, *_alerts(invoice, request, outstanding, cuts)]


def _alerts(invoice: InvoiceState, request: ReversalRequest, outstanding: int, cuts) -> list:
    after = {cut.claim_id: cut.remaining_fen for cut in cuts}
    return [
        FinancingDiluted(
            invoice.number,
            claim.claim_id,
            claim.bank,
            request.reversal_id,
            request.total_fen,
            outstanding,
            claim.amount_fen,
            after.get(claim.claim_id, claim.amount_fen),
        )
        for claim in invoice.claims
    ]


def _pending(invoice: InvoiceState, reversal_id: str) -> ReversalRequest:
    pending = invoice.pending_reversal
    if pending is None or pending.reversal_id != reversal_id:
        raise InvoiceReversalNotFound("no such reversal awaits an answer")
    return pending


def approve_reversal(state, command: ApproveReversal, context: Context) -> list[Event]:
    invoice = require_invoice(state)
    require_buyer(invoice, command.actor, context)
    request = _pending(invoice, command.reversal_id)
    _check_reversible(invoice, request)
    return apply_reversal(invoice, request, approved_by=command.actor)


def reject_reversal(state, command: RejectReversal, context: Context) -> list[Event]:
    invoice = require_invoice(state)
    require_buyer(invoice, command.actor, context)
    _pending(invoice, command.reversal_id)
    return [InvoiceReversalRejected(invoice.number, command.reversal_id, command.reason)]


def withdraw_reversal(state, command: WithdrawReversal, context: Context) -> list[Event]:
    invoice = require_invoice(state)
    require_seller(invoice, command.actor, context)
    _pending(invoice, command.reversal_id)
    return [InvoiceReversalWithdrawn(invoice.number, command.reversal_id)]


HANDLERS = {
    RequestReversal: request_reversal,
    ApproveReversal: approve_reversal,
    RejectReversal: reject_reversal,
    WithdrawReversal: withdraw_reversal,
}
