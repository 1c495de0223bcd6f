"""The blockchain invoice (stream ``invoice:<20-digit number>``): its state and the guards
every invoice command uses (events and evolve: ``invoice_events``).

Amounts, all integer fen: ``total = amount + tax``; ``reversed`` = red-letter reversals (amount
and tax); ``paid`` = payments and settled bills; ``outstanding = total − reversed − paid``.
The financing registry lives on the same stream: ``claims`` are banks' claims in registration
order, and their sum never exceeds ``outstanding`` (see ``registry``).

Status is derived, never stored:

- ``issued``    the seller signed it; the buyer has not confirmed;
- ``confirmed`` the buyer confirmed the payable (确权);
- ``financed``  confirmed, and at least one bank holds a live claim (locked for that amount);
- ``reversed``  nothing outstanding, nothing paid: fully reversed (红冲);
- ``settled``   nothing outstanding and something paid: closed by payment (with any partial
  reversals).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.invoices.domain.fields import quantity_micro
from services.invoices.domain.messages import Context, TypedCommand
from services.invoices.domain.tax import format_quantity
from services.invoices.errors import (
    InvoiceInvalidState,
    InvoiceNotBuyer,
    InvoiceNotFound,
    InvoiceNotSeller,
)

ISSUED, CONFIRMED, FINANCED, REVERSED, SETTLED = (
    "issued",
    "confirmed",
    "financed",
    "reversed",
    "settled",
)
OPEN_STATUSES = frozenset({ISSUED, CONFIRMED, FINANCED})
FINANCEABLE_STATUSES = frozenset({CONFIRMED, FINANCED})


@dataclass(frozen=True)
class InvoiceLine:
    name: str
    quantity: int  # millionths of the unit
    unit_price_fen: int
    amount_fen: int
    tax_rate_bp: int
    tax_fen: int

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "quantity": format_quantity(self.quantity),
            "unit_price_fen": self.unit_price_fen,
            "amount_fen": self.amount_fen,
            "tax_rate_bp": self.tax_rate_bp,
            "tax_fen": self.tax_fen,
        }

    @classmethod
    def from_dict(cls, payload: dict) -> InvoiceLine:
        return cls(**{**payload, "quantity": quantity_micro(payload["quantity"])})


@dataclass(frozen=True)
class Claim:
    """A bank's registered claim on part (or all) of the invoice's outstanding amount."""

    claim_id: str
    bank: str
    amount_fen: int


@dataclass(frozen=True)
class ReversalRequest:
    """A red-letter reversal waiting for the buyer's countersignature."""

    reversal_id: str
    amount_fen: int
    tax_fen: int
    reason: str | None

    @property
    def total_fen(self) -> int:
        return self.amount_fen + self.tax_fen


@dataclass(frozen=True)
class InvoiceState:
    number: str
    issue_date: str
    seller: str
    seller_credit_code: str
    buyer_credit_code: str
    lines: tuple[InvoiceLine, ...]
    amount_fen: int
    tax_fen: int
    total_fen: int
    trade_id: str | None = None
    buyer: str | None = None  # the party that confirmed (确权)
    reversed_amount_fen: int = 0
    reversed_tax_fen: int = 0
    paid_fen: int = 0
    claims: tuple[Claim, ...] = ()
    pending_reversal: ReversalRequest | None = None
    # Every reference ever used, namespaced: "reversal:<id>", "claim:<id>", "transfer:<payment
    # ref>", "bill:<bill number>"; each may appear once in the invoice's life.
    references: frozenset[str] = frozenset()

    @property
    def reversed_fen(self) -> int:
        return self.reversed_amount_fen + self.reversed_tax_fen

    @property
    def net_amount_fen(self) -> int:
        """Amount before tax still standing after reversals: what the three flows compare."""
        return self.amount_fen - self.reversed_amount_fen

    @property
    def outstanding_fen(self) -> int:
        return self.total_fen - self.reversed_fen - self.paid_fen

    @property
    def claimed_fen(self) -> int:
        return sum(claim.amount_fen for claim in self.claims)

    @property
    def headroom_fen(self) -> int:
        """Outstanding amount no bank has claimed yet."""
        return self.outstanding_fen - self.claimed_fen

    @property
    def status(self) -> str:
        if self.outstanding_fen == 0:
            return SETTLED if self.paid_fen else REVERSED
        if self.claims:
            return FINANCED
        return CONFIRMED if self.buyer else ISSUED

    def claim(self, claim_id: str) -> Claim | None:
        return next((claim for claim in self.claims if claim.claim_id == claim_id), None)


@dataclass(frozen=True)
class InvoiceCommand(TypedCommand):
    """Base of the commands on ``invoice:<number>``."""

    AGGREGATE = "invoice"
    number: str

    @property
    def stream_key(self) -> str:
        return self.number


def require_invoice(state: InvoiceState | None) -> InvoiceState:
    if state is None:
        raise InvoiceNotFound("no invoice on this stream")
    return state


def require_status(state: InvoiceState, allowed: frozenset[str], act: str) -> None:
    if state.status not in allowed:
        raise InvoiceInvalidState(
            f"cannot {act} an invoice that is {state.status}",
            {"status": state.status, "allowed": sorted(allowed)},
        )


def require_seller(invoice: InvoiceState, actor: str, context: Context) -> None:
    if context.credit_code_of(actor) != invoice.seller_credit_code:
        raise InvoiceNotSeller("only the invoice's seller may do this")


def require_buyer(invoice: InvoiceState, actor: str, context: Context) -> None:
    if context.credit_code_of(actor) != invoice.buyer_credit_code:
        raise InvoiceNotBuyer("only the invoice's buyer may do this")


# --- public verification (查验) -------------------------------------------------------------


def public_verification(
    invoice: InvoiceState | None, number: str, issue_date: str, total_fen: int
) -> dict:
    """Anyone holding number, issue date and total may check an invoice: the answer is
    ``{"authentic": bool, "status": "normal" | "partially_reversed" | "reversed" | None}``.

    The status is the tax status only; confirmation, financing and payment stay private.
    Any mismatch, or an unknown number, answers ``{"authentic": False, "status": None}``.
    """
    if (
        invoice is None
        or invoice.number != number
        or invoice.issue_date != issue_date
        or type(total_fen) is not int
        or invoice.total_fen != total_fen
    ):
        return {"authentic": False, "status": None}
    return {"authentic": True, "status": tax_status(invoice)}


def tax_status(invoice: InvoiceState) -> str:
    if invoice.reversed_fen == 0:
        return "normal"
    return "reversed" if invoice.reversed_fen == invoice.total_fen else "partially_reversed"
