"""Command bodies of the synthetic world, in the exact shapes the bills and invoices domains
read (``services/bills/domain/commands.py``, ``services/invoices/*``), plus the two fact types the
world records on streams of its own (see ``services/credit/training/world/__init__.py``).

Money is integer fen; quantities are whole units written as decimal strings; VAT is the general
13 % rate, rounded half-up per line exactly as ``services.invoices.domain.tax`` does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

VAT_BP = 1300


def half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def tax_of(amount_fen: int) -> int:
    return half_up(amount_fen * VAT_BP, 10_000)


@dataclass(frozen=True)
class Goods:
    """One contract or invoice line: ``quantity`` whole units at ``unit_price_fen`` each."""

    item: str
    quantity: int
    unit_price_fen: int

    @property
    def amount_fen(self) -> int:
        return self.quantity * self.unit_price_fen


@dataclass
class Numbering:
    """Identifiers unique to one world (seed and size), so two worlds can share a ledger."""

    seed: int
    size: int
    trades: int = 0
    invoices: int = 0
    bills: int = 0
    others: int = 0

    @property
    def tag(self) -> int:
        digest = hashlib.sha256(f"world:{self.seed}:{self.size}".encode()).hexdigest()
        return int(digest[:12], 16)

    def trade_id(self) -> str:
        self.trades += 1
        return f"w{self.tag % 10**8:08d}-t{self.trades}"

    def invoice_number(self) -> str:
        self.invoices += 1
        return f"{self.tag % 10**6:06d}{self.invoices:014d}"

    def package_no(self) -> str:
        self.bills += 1
        return f"{1 + self.tag % 9}{self.tag % 10**15:015d}{self.bills:014d}"

    def reference(self, kind: str) -> str:
        self.others += 1
        return f"w{self.tag % 10**8:08d}-{kind}{self.others}"


def contract_body(trade_id: str, seller: str, buyer: str, lines: list[Goods]) -> dict:
    return {
        "trade_id": trade_id,
        "contract_number": f"C-{trade_id}",
        "seller": seller,
        "buyer": buyer,
        "lines": [
            {"item": g.item, "quantity": str(g.quantity), "unit_price_fen": g.unit_price_fen}
            for g in lines
        ],
    }


def goods_body(trade_id: str, shipment_id: str, day_field: str, on: date, lines) -> dict:
    return {
        "trade_id": trade_id,
        "shipment_id": shipment_id,
        day_field: on.isoformat(),
        "lines": [{"item": g.item, "quantity": str(g.quantity)} for g in lines],
    }


def invoice_body(number: str, on: date, seller_code: str, buyer_code: str, lines, trade_id):
    rows = []
    for goods in lines:
        rows.append(
            {
                "name": goods.item,
                "quantity": str(goods.quantity),
                "unit_price_fen": goods.unit_price_fen,
                "amount_fen": goods.amount_fen,
                "tax_rate_bp": VAT_BP,
                "tax_fen": tax_of(goods.amount_fen),
            }
        )
    amount = sum(row["amount_fen"] for row in rows)
    tax = sum(row["tax_fen"] for row in rows)
    body = {
        "number": number,
        "issue_date": on.isoformat(),
        "seller_credit_code": seller_code,
        "buyer_credit_code": buyer_code,
        "lines": rows,
        "amount_fen": amount,
        "tax_fen": tax,
        "total_fen": amount + tax,
    }
    if trade_id is not None:
        body["trade_id"] = trade_id
    return body
