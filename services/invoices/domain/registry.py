"""The cross-bank financing registry, kept on each invoice's own stream.

A claim is a command on ``invoice:<number>``, so the check "sum of claims ≤ outstanding" is
decided against the same stream version the ledger appends at: two banks racing for the last
headroom cannot both win (the loser gets the ledger's version conflict, or on retry
``INVOICE_ALREADY_FINANCED``). Refusals state amounts, never who holds the other claims.

Priority is registration order, as in a first-to-file lien register. When the outstanding
amount falls below the claims — a red-letter reversal (see ``reversal``) or a payment not
made to a claim — the most recent claims are cut first, each cut a ``financing_claim_released``
event, so the invariant holds after every event. A payment naming a claim (``claim_id``)
repays that claim first.

Commands (all signed by a bank; bill settlements also by the operator):

- ``invoice.claim_financing``   {number, claim_id, amount_fen}
- ``invoice.release_claim``     {number, claim_id, amount_fen?}  (absent: the whole claim)
- ``invoice.record_payment``    {number, payment_ref, amount_fen, claim_id?}
- ``invoice.record_bill_settlement`` {number, bill_number, amount_fen, claim_id?}
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from services.invoices.domain.fields import IDENTIFIER, INVOICE_NUMBER, Body
from services.invoices.domain.invoice import (
    FINANCEABLE_STATUSES,
    OPEN_STATUSES,
    Claim,
    InvoiceCommand,
    InvoiceState,
    require_invoice,
    require_status,
)
from services.invoices.domain.invoice_events import (
    FinancingClaimed,
    FinancingClaimReleased,
    InvoicePaymentRecorded,
    InvoiceSettled,
)
from services.invoices.domain.messages import OPERATOR, Context, Event
from services.invoices.errors import (
    ActorNotBank,
    CommandBodyInvalid,
    FinancingClaimExists,
    FinancingClaimNotFound,
    FinancingExceedsOutstanding,
    InvoiceAlreadyFinanced,
    InvoiceDuplicateReference,
    InvoicePaymentExceedsOutstanding,
    InvoiceReversalPending,
    InvoicesError,
)


@dataclass(frozen=True)
class ClaimFinancing(InvoiceCommand):
    TYPE = "invoice.claim_financing"
    claim_id: str
    amount_fen: int

    @classmethod
    def from_body(cls, actor: str, body: Body) -> ClaimFinancing:
        return cls(
            actor,
            body.text("number", INVOICE_NUMBER),
            body.text("claim_id", IDENTIFIER),
            body.fen("amount_fen"),
        )


@dataclass(frozen=True)
class ReleaseClaim(InvoiceCommand):
    TYPE = "invoice.release_claim"
    claim_id: str
    amount_fen: int | None

    @classmethod
    def from_body(cls, actor: str, body: Body) -> ReleaseClaim:
        return cls(
            actor,
            body.text("number", INVOICE_NUMBER),
            body.text("claim_id", IDENTIFIER),
            body.optional_fen("amount_fen"),
        )


@dataclass(frozen=True)
class RecordPayment(InvoiceCommand):
    TYPE = "invoice.record_payment"
    METHOD = "transfer"
    reference: str
    amount_fen: int
    claim_id: str | None

    @classmethod
    def from_body(cls, actor: str, body: Body) -> RecordPayment:
        return cls(
            actor,
            body.text("number", INVOICE_NUMBER),
            body.text("bill_number" if cls.METHOD == "bill" else "payment_ref", IDENTIFIER),
            body.fen("amount_fen"),
            body.optional_text("claim_id", IDENTIFIER),
        )


@dataclass(frozen=True)
class RecordBillSettlement(RecordPayment):
    """A digital bill given for this invoice was paid at maturity (sent by the bills
    integration): it counts as payment, reference = the bill number."""

    TYPE = "invoice.record_bill_settlement"
    METHOD = "bill"


def claim_refusal(invoice: InvoiceState, amount_fen: int) -> InvoicesError | None:
    """Why a claim of ``amount_fen`` cannot be registered now, or ``None`` if it can."""
    available = invoice.headroom_fen
    if amount_fen <= available:
        return None
    details = {"requested_fen": amount_fen, "available_fen": available}
    if available == 0:
        return InvoiceAlreadyFinanced("the outstanding amount is already fully claimed", details)
    return FinancingExceedsOutstanding(
        f"a claim of {amount_fen} fen exceeds the {available} fen not yet claimed", details
    )


def claim_financing(state, command: ClaimFinancing, context: Context) -> list[Event]:
    invoice = require_invoice(state)
    if not context.is_bank(command.actor):
        raise ActorNotBank("only a bank registers a financing claim")
    require_status(invoice, FINANCEABLE_STATUSES, "claim financing on")
    if invoice.pending_reversal is not None:
        raise InvoiceReversalPending("a red-letter reversal awaits the buyer")
    if f"claim:{command.claim_id}" in invoice.references:
        raise FinancingClaimExists("this claim id is already used on the invoice")
    refusal = claim_refusal(invoice, command.amount_fen)
    if refusal is not None:
        raise refusal
    return [FinancingClaimed(invoice.number, command.claim_id, command.actor, command.amount_fen)]


def release_claim(state, command: ReleaseClaim, context: Context) -> list[Event]:
    invoice = require_invoice(state)
    claim = held_claim(invoice, command.claim_id, command.actor)
    amount = command.amount_fen or claim.amount_fen
    if amount > claim.amount_fen:
        raise CommandBodyInvalid(
            "amount_fen: exceeds the claim", {"field": "amount_fen", "problem": "exceeds claim"}
        )
    return [release(invoice.number, claim, amount, "released")]


def held_claim(invoice: InvoiceState, claim_id: str, bank: str) -> Claim:
    claim = invoice.claim(claim_id)
    if claim is None or claim.bank != bank:
        raise FinancingClaimNotFound("no such claim held by the signer")
    return claim


def release(number: str, claim: Claim, amount_fen: int, reason: str) -> FinancingClaimReleased:
    remaining = claim.amount_fen - amount_fen
    return FinancingClaimReleased(number, claim.claim_id, claim.bank, amount_fen, remaining, reason)


def fit_claims(
    number: str, claims: tuple[Claim, ...], limit_fen: int, reason: str
) -> list[FinancingClaimReleased]:
    """Cut the most recent claims until their sum is at most ``limit_fen``."""
    excess = sum(claim.amount_fen for claim in claims) - limit_fen
    cuts = []
    for claim in reversed(claims):
        cut = min(excess, claim.amount_fen)
        if cut > 0:
            cuts.append(release(number, claim, cut, reason))
            excess -= cut
    return cuts


def record_payment(state, command: RecordPayment, context: Context) -> list[Event]:
    invoice = require_invoice(state)
    _require_payer(command, context)
    require_status(invoice, OPEN_STATUSES, "record a payment on")
    if f"{command.METHOD}:{command.reference}" in invoice.references:
        raise InvoiceDuplicateReference("this payment is already recorded on the invoice")
    if command.amount_fen > invoice.outstanding_fen:
        raise InvoicePaymentExceedsOutstanding(
            "the payment exceeds the outstanding amount",
            {"requested_fen": command.amount_fen, "outstanding_fen": invoice.outstanding_fen},
        )
    outstanding = invoice.outstanding_fen - command.amount_fen
    events: list[Event] = [*_payment_releases(invoice, command, outstanding)]
    events.append(_payment_recorded(invoice, command, outstanding))
    if outstanding == 0:
        events.append(InvoiceSettled(invoice.number, invoice.paid_fen + command.amount_fen))
    return events


def _require_payer(command: RecordPayment, context: Context) -> None:
    kind = context.party_kind(command.actor)
    if not context.is_bank(command.actor) and not (command.METHOD == "bill" and kind == OPERATOR):
        raise ActorNotBank("payments are confirmed by the paying bank")


def _payment_releases(invoice: InvoiceState, command: RecordPayment, outstanding: int) -> list:
    claims, releases = invoice.claims, []
    if command.claim_id is not None:
        claim = invoice.claim(command.claim_id)
        if claim is None:
            raise FinancingClaimNotFound("no such claim on this invoice")
        repaid = min(command.amount_fen, claim.amount_fen)
        releases.append(release(invoice.number, claim, repaid, "repaid"))
        claims = tuple(
            replace(other, amount_fen=other.amount_fen - repaid) if other == claim else other
            for other in claims
        )
    return releases + fit_claims(invoice.number, claims, outstanding, "paid")


def _payment_recorded(invoice, command: RecordPayment, outstanding: int) -> Event:
    return InvoicePaymentRecorded(
        invoice.number,
        command.METHOD,
        command.reference,
        command.amount_fen,
        command.actor,
        command.claim_id,
        outstanding,
    )


HANDLERS = {
    ClaimFinancing: claim_financing,
    ReleaseClaim: release_claim,
    RecordPayment: record_payment,
    RecordBillSettlement: record_payment,
}
