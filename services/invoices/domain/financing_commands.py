"""Receivable financing commands and the automatic checks run on application.

Commands:

- ``financing.apply`` {financing_id, bank, invoices: [{number, amount_fen}], amount_fen}
  — signed by the SME (the invoices' seller). Emits ``financing_applied`` and, in the same
  decision, ``financing_assessed`` with every reason found (none → ``eligible``):
  ``INVOICE_NOT_FOUND``, ``INVOICE_NOT_CONFIRMED``, ``INVOICE_REVERSAL_PENDING``,
  ``INVOICE_NOT_LINKED_TO_TRADE``, ``INVOICE_ALREADY_FINANCED`` /
  ``FINANCING_EXCEEDS_OUTSTANDING`` (registry headroom), ``TRADE_NOT_FOUND``,
  ``TRADE_NOT_MATCHED`` (three-flow match), ``CONSENT_REQUIRED`` (the SME has not let the
  bank see its documents), ``CREDIT_LIMIT_EXCEEDED`` (only when ``Records`` reports a limit).
- ``financing.approve`` {financing_id} — the bank; only an eligible application.
- ``financing.decline`` {financing_id, reason?} — the bank; eligible or approved.
- ``financing.disburse`` {financing_id, disbursement_ref} — the bank, after registering its
  claims (``invoice.claim_financing`` with ``claim_id`` = financing id, one per pledged
  invoice, at least the pledged amount); refused with ``FINANCING_CLAIM_MISSING`` otherwise,
  and with ``TRADE_NOT_MATCHED`` if a trade stopped matching since the application.
- ``financing.record_repayment`` {financing_id, repayment_ref, amount_fen} — the bank.

Reads of other streams go through ``context.records``, so a replay must present the same
records in ledger order; the verdict itself is recorded in ``financing_assessed``.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.invoices.domain.consent import has_consent
from services.invoices.domain.fields import IDENTIFIER, INVOICE_NUMBER, PARTY, Body, unique
from services.invoices.domain.financing import (
    APPROVED,
    DISBURSED,
    ELIGIBLE,
    INELIGIBLE,
    FinancingApplied,
    FinancingApproved,
    FinancingAssessed,
    FinancingCommand,
    FinancingDeclined,
    FinancingDisbursed,
    FinancingRepaid,
    FinancingState,
    Pledge,
    Reason,
    require_financing,
    require_financing_status,
    require_lender,
)
from services.invoices.domain.invoice import (
    FINANCEABLE_STATUSES,
    InvoiceState,
)
from services.invoices.domain.matching import match, require_matched
from services.invoices.domain.messages import ENTERPRISE, Context, Event
from services.invoices.domain.registry import claim_refusal
from services.invoices.errors import (
    CommandBodyInvalid,
    FinancingAlreadyExists,
    FinancingClaimMissing,
    FinancingDuplicateRepayment,
    FinancingRepaymentExceedsLoan,
    InvoiceNotSeller,
    PartyNotBank,
    PartyNotEnterprise,
    TradeNotMatched,
)


@dataclass(frozen=True)
class ApplyForFinancing(FinancingCommand):
    TYPE = "financing.apply"
    bank: str
    pledges: tuple[Pledge, ...]
    amount_fen: int

    @classmethod
    def from_body(cls, actor: str, body: Body) -> ApplyForFinancing:
        pledges = tuple(_pledge(item) for item in body.items("invoices"))
        unique([pledge.number for pledge in pledges], "invoices[].number")
        return cls(
            actor,
            body.text("financing_id", IDENTIFIER),
            body.text("bank", PARTY),
            pledges,
            body.fen("amount_fen"),
        )


def _pledge(item: Body) -> Pledge:
    pledge = Pledge(item.text("number", INVOICE_NUMBER), item.fen("amount_fen"))
    item.done()
    return pledge


@dataclass(frozen=True)
class ApproveFinancing(FinancingCommand):
    TYPE = "financing.approve"

    @classmethod
    def from_body(cls, actor: str, body: Body) -> ApproveFinancing:
        return cls(actor, body.text("financing_id", IDENTIFIER))


@dataclass(frozen=True)
class DeclineFinancing(FinancingCommand):
    TYPE = "financing.decline"
    reason: str | None

    @classmethod
    def from_body(cls, actor: str, body: Body) -> DeclineFinancing:
        return cls(actor, body.text("financing_id", IDENTIFIER), body.optional_text("reason"))


@dataclass(frozen=True)
class DisburseFinancing(FinancingCommand):
    TYPE = "financing.disburse"
    disbursement_ref: str

    @classmethod
    def from_body(cls, actor: str, body: Body) -> DisburseFinancing:
        return cls(
            actor, body.text("financing_id", IDENTIFIER), body.text("disbursement_ref", IDENTIFIER)
        )


@dataclass(frozen=True)
class RecordRepayment(FinancingCommand):
    TYPE = "financing.record_repayment"
    repayment_ref: str
    amount_fen: int

    @classmethod
    def from_body(cls, actor: str, body: Body) -> RecordRepayment:
        return cls(
            actor,
            body.text("financing_id", IDENTIFIER),
            body.text("repayment_ref", IDENTIFIER),
            body.fen("amount_fen"),
        )


def apply(state, command: ApplyForFinancing, context: Context) -> list[Event]:
    if state is not None:
        raise FinancingAlreadyExists(f"financing {command.financing_id} already exists")
    if context.party_kind(command.actor) != ENTERPRISE:
        raise PartyNotEnterprise("financing is applied for by an enterprise")
    if not context.is_bank(command.bank):
        raise PartyNotBank(f"{command.bank} is not a bank")
    if command.amount_fen > sum(pledge.amount_fen for pledge in command.pledges):
        raise CommandBodyInvalid(
            "the loan exceeds the receivables pledged",
            {"field": "amount_fen", "problem": "exceeds the pledged invoices' amounts"},
        )
    reasons, available = assess(command, context)
    applied = FinancingApplied(
        command.financing_id, command.actor, command.bank, command.pledges, command.amount_fen
    )
    decision = INELIGIBLE if reasons else ELIGIBLE
    return [applied, FinancingAssessed(command.financing_id, decision, tuple(reasons), available)]


def assess(command: ApplyForFinancing, context: Context) -> tuple[list[Reason], int | None]:
    """The automatic checks: every reason found, and the credit limit used (if any)."""
    applicant_code = context.credit_code_of(command.actor)
    reasons: list[Reason] = []
    trade_ids: set[str] = set()
    for pledge in command.pledges:
        invoice = context.records.invoice(pledge.number)
        if invoice is None:
            reasons.append(Reason("INVOICE_NOT_FOUND", "no such invoice", pledge.number))
            continue
        if invoice.seller_credit_code != applicant_code:
            raise InvoiceNotSeller(f"invoice {pledge.number} is not the applicant's")
        reasons.extend(_invoice_reasons(invoice, pledge))
        trade_ids.update([invoice.trade_id] if invoice.trade_id else [])
    for trade_id in sorted(trade_ids):
        reasons.extend(_trade_reasons(trade_id, context))
    available = context.records.available_credit_fen(command.actor, command.bank)
    return reasons + _party_reasons(command, context, available), available


def _invoice_reasons(invoice: InvoiceState, pledge: Pledge) -> list[Reason]:
    number, reasons = invoice.number, []
    if invoice.status not in FINANCEABLE_STATUSES:
        message = f"the invoice is {invoice.status}; only confirmed invoices are financeable"
        reasons.append(Reason("INVOICE_NOT_CONFIRMED", message, number))
    if invoice.pending_reversal is not None:
        message = "a red-letter reversal awaits the buyer"
        reasons.append(Reason("INVOICE_REVERSAL_PENDING", message, number))
    if invoice.trade_id is None:
        message = "the invoice is not linked to a trade"
        reasons.append(Reason("INVOICE_NOT_LINKED_TO_TRADE", message, number))
    refusal = claim_refusal(invoice, pledge.amount_fen)
    if refusal is not None:
        reasons.append(Reason(refusal.code, refusal.message, number))
    return reasons


def _trade_reasons(trade_id: str, context: Context) -> list[Reason]:
    trade = context.records.trade(trade_id)
    if trade is None:
        return [Reason("TRADE_NOT_FOUND", "the linked trade does not exist", trade_id)]
    result = match(trade, context.records.invoices_of_trade(trade_id))
    if result.financeable:
        return []
    codes = ", ".join(sorted({d.code for d in result.discrepancies}))
    return [Reason("TRADE_NOT_MATCHED", f"three flows {result.status}: {codes}", trade_id)]


def _party_reasons(command: ApplyForFinancing, context: Context, available: int | None) -> list:
    reasons = []
    if not has_consent(context.records.consent(command.actor), command.bank):
        message = "the bank has no consent to read the applicant's documents"
        reasons.append(Reason("CONSENT_REQUIRED", message, None))
    if available is not None and command.amount_fen > available:
        message = f"the loan exceeds the available credit of {available} fen"
        reasons.append(Reason("CREDIT_LIMIT_EXCEEDED", message, None))
    return reasons


def approve(state, command: ApproveFinancing, context: Context) -> list[Event]:
    financing = _lenders(state, command.actor, ELIGIBLE)
    return [FinancingApproved(financing.financing_id, financing.bank, financing.amount_fen)]


def decline(state, command: DeclineFinancing, context: Context) -> list[Event]:
    financing = _lenders(state, command.actor, ELIGIBLE, APPROVED)
    return [FinancingDeclined(financing.financing_id, financing.bank, command.reason)]


def _lenders(state, actor: str, *allowed: str) -> FinancingState:
    financing = require_financing(state)
    require_lender(financing, actor)
    require_financing_status(financing, *allowed)
    return financing


def disburse(state, command: DisburseFinancing, context: Context) -> list[Event]:
    financing = _lenders(state, command.actor, APPROVED)
    invoices = [_claimed_invoice(financing, pledge, context) for pledge in financing.pledges]
    for trade_id in sorted({invoice.trade_id for invoice in invoices if invoice.trade_id}):
        trade = context.records.trade(trade_id)
        if trade is None:
            raise TradeNotMatched(f"trade {trade_id} does not exist", {"trade_id": trade_id})
        require_matched(match(trade, context.records.invoices_of_trade(trade_id)), trade_id)
    return [
        FinancingDisbursed(
            financing.financing_id, financing.bank, financing.amount_fen, command.disbursement_ref
        )
    ]


def _claimed_invoice(financing: FinancingState, pledge: Pledge, context: Context) -> InvoiceState:
    invoice = context.records.invoice(pledge.number)
    claim = invoice.claim(financing.financing_id) if invoice else None
    if claim is None or claim.bank != financing.bank or claim.amount_fen < pledge.amount_fen:
        raise FinancingClaimMissing(
            f"invoice {pledge.number} does not carry this financing's claim",
            {"number": pledge.number, "claim_id": financing.financing_id},
        )
    return invoice


def record_repayment(state, command: RecordRepayment, context: Context) -> list[Event]:
    financing = _lenders(state, command.actor, DISBURSED)
    if command.repayment_ref in financing.repayment_refs:
        raise FinancingDuplicateRepayment("this repayment is already recorded")
    repaid = financing.repaid_fen + command.amount_fen
    if repaid > financing.amount_fen:
        raise FinancingRepaymentExceedsLoan(
            "repayments would exceed the loan",
            {
                "requested_fen": command.amount_fen,
                "owed_fen": financing.amount_fen - financing.repaid_fen,
            },
        )
    fully = repaid == financing.amount_fen
    return [
        FinancingRepaid(
            financing.financing_id, command.repayment_ref, command.amount_fen, repaid, fully
        )
    ]


HANDLERS = {
    ApplyForFinancing: apply,
    ApproveFinancing: approve,
    DeclineFinancing: decline,
    DisburseFinancing: disburse,
    RecordRepayment: record_repayment,
}
