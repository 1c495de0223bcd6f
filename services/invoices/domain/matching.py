"""The three-flow match of one trade: goods (shipments, receipts), information (contract,
invoices) and funds (payments and settled bills recorded on the invoices).

``match(trade, invoices)`` is pure; ``invoices`` are the invoices linked to the trade. Values are
tax-exclusive fen: an invoice counts for its *net amount* (amount − reversed amount), goods are
valued at contract unit prices (quantity × price, half-up per item). Fully reversed invoices
count for nothing.

**mismatched** — the flows contradict each other (any one of):

- ``CONTRACT_REJECTED``        the counterparty rejected the contract, yet documents exist;
- ``INVOICE_OF_OTHER_TRADE``   an invoice given is linked to another trade (or none);
- ``INVOICE_PARTIES_DIFFER``   an invoice's seller/buyer credit codes are not the trade's;
- ``OVER_SHIPPED``             an item shipped beyond its contracted quantity;
- ``OVER_RECEIVED``            an item received beyond what was shipped;
- ``RECEIVED_BEFORE_DISPATCH`` a receipt dated before its shipment;
- ``INVOICED_OVER_CONTRACT``   net invoiced > contract value;
- ``INVOICED_OVER_RECEIVED``   net invoiced > value received once delivery is complete
  (every item shipped in full and every shipment received): no more goods will come;
- ``PAID_OVER_INVOICED``       payments and bills on an invoice exceed its unreversed total.

**partial** — nothing contradicts, but the trade is not complete yet (any one of):

- ``CONTRACT_UNSIGNED``        the counterparty has not countersigned;
- ``NO_INVOICE``               no invoice with a net amount;
- ``INVOICE_UNCONFIRMED``      an open invoice the buyer has not confirmed (确权);
- ``SHIPMENT_NOT_RECEIVED``    a shipment without its receipt;
- ``INVOICED_AHEAD_OF_RECEIPT`` net invoiced > value received while delivery is incomplete
  (an invoice without a receipt lands here).

**matched** — none of the above: a signed contract, confirmed invoices within the contract
and within the goods received, every shipment received. Only matched trades are financeable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.invoices.domain.invoice import (
    OPEN_STATUSES,
    InvoiceState,
)
from services.invoices.domain.tax import format_quantity
from services.invoices.domain.trade import REJECTED, SIGNED, TradeState
from services.invoices.errors import TradeNotMatched

MATCHED, PARTIAL, MISMATCHED = "matched", "partial", "mismatched"
CONTRADICTIONS = frozenset(
    {
        "CONTRACT_REJECTED",
        "INVOICE_OF_OTHER_TRADE",
        "INVOICE_PARTIES_DIFFER",
        "OVER_SHIPPED",
        "OVER_RECEIVED",
        "RECEIVED_BEFORE_DISPATCH",
        "INVOICED_OVER_CONTRACT",
        "INVOICED_OVER_RECEIVED",
        "PAID_OVER_INVOICED",
    }
)


@dataclass(frozen=True)
class Discrepancy:
    code: str
    message: str
    expected: int | str | None
    actual: int | str | None

    @property
    def contradicts(self) -> bool:
        return self.code in CONTRADICTIONS

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "expected": self.expected,
            "actual": self.actual,
        }


@dataclass(frozen=True)
class MatchResult:
    status: str
    discrepancies: tuple[Discrepancy, ...]

    @property
    def financeable(self) -> bool:
        return self.status == MATCHED

    def to_dict(self) -> dict:
        return {"status": self.status, "discrepancies": [d.to_dict() for d in self.discrepancies]}


def match(trade: TradeState, invoices: Iterable[InvoiceState]) -> MatchResult:
    """Compare the three flows of ``trade``; see the module docstring for the rules."""
    invoices = list(invoices)
    found = [
        *_contract(trade),
        *_invoice_links(trade, invoices),
        *_goods(trade),
        *_values(trade, invoices),
        *_funds(invoices),
    ]
    return MatchResult(_status(found), tuple(found))


def _status(found: list[Discrepancy]) -> str:
    if any(d.contradicts for d in found):
        return MISMATCHED
    return PARTIAL if found else MATCHED


def require_matched(result: MatchResult, trade_id: str) -> None:
    if not result.financeable:
        raise TradeNotMatched(
            f"trade {trade_id} is {result.status}",
            {"trade_id": trade_id, **result.to_dict()},
        )


def _contract(trade: TradeState) -> list[Discrepancy]:
    if trade.status == REJECTED:
        return [Discrepancy("CONTRACT_REJECTED", "the contract was rejected", SIGNED, REJECTED)]
    if trade.status != SIGNED:
        return [Discrepancy("CONTRACT_UNSIGNED", "awaiting countersignature", SIGNED, trade.status)]
    return []


def _invoice_links(trade: TradeState, invoices: Sequence[InvoiceState]) -> list[Discrepancy]:
    found = []
    for invoice in invoices:
        number = invoice.number
        if invoice.trade_id != trade.trade_id:
            message = f"invoice {number} is linked to another trade"
            found.append(
                Discrepancy("INVOICE_OF_OTHER_TRADE", message, trade.trade_id, invoice.trade_id)
            )
        parties = (invoice.seller_credit_code, invoice.buyer_credit_code)
        if parties != (trade.seller_credit_code, trade.buyer_credit_code):
            message = f"invoice {number} is between other parties"
            expected = f"{trade.seller_credit_code}→{trade.buyer_credit_code}"
            found.append(
                Discrepancy("INVOICE_PARTIES_DIFFER", message, expected, "→".join(parties))
            )
        if invoice.status in OPEN_STATUSES and invoice.buyer is None:
            message = f"invoice {number} is not confirmed by the buyer"
            found.append(Discrepancy("INVOICE_UNCONFIRMED", message, "confirmed", invoice.status))
    return found


def _goods(trade: TradeState) -> list[Discrepancy]:
    found = []
    for line in trade.lines:
        shipped, received = trade.shipped(line.item), trade.received(line.item)
        if shipped > line.quantity:
            message = f"{line.item}: shipped more than contracted"
            found.append(_quantities("OVER_SHIPPED", message, line.quantity, shipped))
        if received > shipped:
            message = f"{line.item}: received more than shipped"
            found.append(_quantities("OVER_RECEIVED", message, shipped, received))
    for shipment in trade.shipments:
        receipt = trade.receipt(shipment.shipment_id)
        if receipt is None:
            message = f"shipment {shipment.shipment_id} has no receipt"
            found.append(Discrepancy("SHIPMENT_NOT_RECEIVED", message, "received", None))
        elif receipt.on < shipment.on:
            message = f"shipment {shipment.shipment_id} received before it was dispatched"
            found.append(Discrepancy("RECEIVED_BEFORE_DISPATCH", message, shipment.on, receipt.on))
    return found


def _quantities(code: str, message: str, expected: int, actual: int) -> Discrepancy:
    return Discrepancy(code, message, format_quantity(expected), format_quantity(actual))


def _values(trade: TradeState, invoices: Sequence[InvoiceState]) -> list[Discrepancy]:
    invoiced = sum(invoice.net_amount_fen for invoice in invoices)
    contract, received = trade.contract_value_fen, trade.received_value_fen
    found = []
    if invoiced == 0:
        found.append(Discrepancy("NO_INVOICE", "no invoice with a net amount", None, 0))
    if invoiced > contract:
        message = "net invoiced exceeds the contract value"
        found.append(Discrepancy("INVOICED_OVER_CONTRACT", message, contract, invoiced))
    if invoiced > received:
        code = "INVOICED_OVER_RECEIVED" if _delivered(trade) else "INVOICED_AHEAD_OF_RECEIPT"
        message = "net invoiced exceeds the value of goods received"
        found.append(Discrepancy(code, message, received, invoiced))
    return found


def _delivered(trade: TradeState) -> bool:
    shipped_in_full = all(trade.shipped(line.item) >= line.quantity for line in trade.lines)
    all_received = all(trade.receipt(doc.shipment_id) for doc in trade.shipments)
    return shipped_in_full and all_received


def _funds(invoices: Sequence[InvoiceState]) -> list[Discrepancy]:
    found = []
    for invoice in invoices:
        payable = invoice.total_fen - invoice.reversed_fen
        if invoice.paid_fen > payable:
            message = f"invoice {invoice.number} is paid beyond its unreversed total"
            found.append(Discrepancy("PAID_OVER_INVOICED", message, payable, invoice.paid_fen))
    return found
