"""Issuing an invoice (seller signs), confirming it (确权, buyer signs), linking it to a trade.

Content checks on issue, in this order: the stream is empty (else
``INVOICE_DUPLICATE_NUMBER``), both credit codes are valid GB 32100-2015 codes and differ, the
signer is the seller, the date is not after today in China, then each line (legal rate;
amount = quantity × unit price, half-up to the fen; tax = amount × rate, half-up to the fen),
then the totals (lines add up to amount and tax; total = amount + tax).

Commands:

- ``invoice.issue`` {number, issue_date, seller_credit_code, buyer_credit_code, lines:
  [{name, quantity, unit_price_fen, amount_fen, tax_rate_bp, tax_fen}], amount_fen, tax_fen,
  total_fen, trade_id?}
- ``invoice.confirm`` {number}
- ``invoice.link_trade`` {number, trade_id}
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.credit_code import credit_code_problem
from services.invoices.domain.fields import IDENTIFIER, INVOICE_NUMBER, Body
from services.invoices.domain.invoice import (
    ISSUED,
    OPEN_STATUSES,
    InvoiceCommand,
    InvoiceLine,
    require_buyer,
    require_invoice,
    require_seller,
    require_status,
)
from services.invoices.domain.invoice_events import (
    InvoiceConfirmed,
    InvoiceIssued,
    InvoiceLinkedToTrade,
)
from services.invoices.domain.messages import Context, Event
from services.invoices.domain.tax import is_legal_rate, line_amount_fen, line_tax_fen
from services.invoices.errors import (
    CommandBodyInvalid,
    InvoiceAlreadyLinked,
    InvoiceBadCreditCode,
    InvoiceDateInFuture,
    InvoiceDuplicateNumber,
    InvoiceLineAmountMismatch,
    InvoiceNotSeller,
    InvoiceTaxMismatch,
    InvoiceTotalsMismatch,
    InvoiceUnknownTaxRate,
)


@dataclass(frozen=True)
class IssueInvoice(InvoiceCommand):
    TYPE = "invoice.issue"
    issue_date: str
    seller_credit_code: str
    buyer_credit_code: str
    lines: tuple[InvoiceLine, ...]
    amount_fen: int
    tax_fen: int
    total_fen: int
    trade_id: str | None

    @classmethod
    def from_body(cls, actor: str, body: Body) -> IssueInvoice:
        lines = tuple(_line(item) for item in body.items("lines"))
        return cls(
            actor,
            body.text("number", INVOICE_NUMBER),
            body.day("issue_date"),
            body.text("seller_credit_code", max_length=32),
            body.text("buyer_credit_code", max_length=32),
            lines,
            body.fen("amount_fen", minimum=0),
            body.fen("tax_fen", minimum=0),
            body.fen("total_fen"),
            body.optional_text("trade_id", IDENTIFIER),
        )


def _line(item: Body) -> InvoiceLine:
    line = InvoiceLine(
        item.text("name", max_length=100),
        item.quantity("quantity"),
        item.fen("unit_price_fen"),
        item.fen("amount_fen", minimum=0),
        item.integer("tax_rate_bp", maximum=10_000),
        item.fen("tax_fen", minimum=0),
    )
    item.done()
    return line


@dataclass(frozen=True)
class ConfirmInvoice(InvoiceCommand):
    TYPE = "invoice.confirm"

    @classmethod
    def from_body(cls, actor: str, body: Body) -> ConfirmInvoice:
        return cls(actor, body.text("number", INVOICE_NUMBER))


@dataclass(frozen=True)
class LinkInvoiceToTrade(InvoiceCommand):
    TYPE = "invoice.link_trade"
    trade_id: str

    @classmethod
    def from_body(cls, actor: str, body: Body) -> LinkInvoiceToTrade:
        return cls(actor, body.text("number", INVOICE_NUMBER), body.text("trade_id", IDENTIFIER))


def issue(state, command: IssueInvoice, context: Context) -> list[Event]:
    if state is not None:
        raise InvoiceDuplicateNumber(f"invoice {command.number} was already issued")
    _check_credit_codes(command)
    if context.credit_code_of(command.actor) != command.seller_credit_code:
        raise InvoiceNotSeller("the invoice is issued by the seller it names")
    if command.issue_date > context.today_in_china():
        raise InvoiceDateInFuture("the issue date is after today (China Standard Time)")
    for index, line in enumerate(command.lines):
        check_line(index, line)
    check_totals(command)
    return [_issued(command)]


def _issued(command: IssueInvoice) -> InvoiceIssued:
    return InvoiceIssued(
        command.number,
        command.issue_date,
        command.actor,
        command.seller_credit_code,
        command.buyer_credit_code,
        command.lines,
        command.amount_fen,
        command.tax_fen,
        command.total_fen,
        command.trade_id,
    )


def _check_credit_codes(command: IssueInvoice) -> None:
    for field in ("seller_credit_code", "buyer_credit_code"):
        problem = credit_code_problem(getattr(command, field))
        if problem:
            raise InvoiceBadCreditCode(f"{field}: {problem}", {"field": field, "problem": problem})
    if command.seller_credit_code == command.buyer_credit_code:
        raise CommandBodyInvalid(
            "seller and buyer have the same credit code",
            {"field": "buyer_credit_code", "problem": "same as the seller's"},
        )


def check_line(index: int, line: InvoiceLine) -> None:
    """Refuse a line whose rate is not legal or whose amount or tax is not the rounded
    product; ``details`` name the line, the expected and the stated fen."""
    where = {"line": index}
    if not is_legal_rate(line.tax_rate_bp):
        raise InvoiceUnknownTaxRate(
            f"line {index}: {line.tax_rate_bp} bp is not a VAT rate",
            {**where, "tax_rate_bp": line.tax_rate_bp},
        )
    amount = line_amount_fen(line.quantity, line.unit_price_fen)
    if line.amount_fen != amount:
        details = {**where, "expected_fen": amount, "actual_fen": line.amount_fen}
        raise InvoiceLineAmountMismatch(f"line {index}: amount ≠ quantity × unit price", details)
    tax = line_tax_fen(line.amount_fen, line.tax_rate_bp)
    if line.tax_fen != tax:
        details = {**where, "expected_fen": tax, "actual_fen": line.tax_fen}
        raise InvoiceTaxMismatch(f"line {index}: tax ≠ amount × rate", details)


def check_totals(command: IssueInvoice) -> None:
    expected = {
        "amount_fen": sum(line.amount_fen for line in command.lines),
        "tax_fen": sum(line.tax_fen for line in command.lines),
        "total_fen": command.amount_fen + command.tax_fen,
    }
    for field, value in expected.items():
        actual = getattr(command, field)
        if actual != value:
            raise InvoiceTotalsMismatch(
                f"{field} is {actual}, the lines make {value}",
                {"field": field, "expected_fen": value, "actual_fen": actual},
            )


def confirm(state, command: ConfirmInvoice, context: Context) -> list[Event]:
    invoice = require_invoice(state)
    require_buyer(invoice, command.actor, context)
    require_status(invoice, frozenset({ISSUED}), "confirm")
    return [InvoiceConfirmed(invoice.number, command.actor)]


def link_trade(state, command: LinkInvoiceToTrade, context: Context) -> list[Event]:
    invoice = require_invoice(state)
    require_seller(invoice, command.actor, context)
    require_status(invoice, OPEN_STATUSES, "link")
    if invoice.trade_id is not None:
        raise InvoiceAlreadyLinked("the invoice is already linked to a trade")
    return [InvoiceLinkedToTrade(invoice.number, command.trade_id)]


HANDLERS = {IssueInvoice: issue, ConfirmInvoice: confirm, LinkInvoiceToTrade: link_trade}
