"""A trade (stream ``trade:<trade_id>``): the contract or purchase order signed by both sides,
shipments the seller dispatched and goods the buyer received — the goods and information flows.

Quantities are integer millionths of each item's unit (decimal strings on the wire). Contract
unit prices are tax-exclusive fen, the same basis as an invoice's amount, so values compare
directly: a value is quantity × unit price rounded half-up to the fen, per item.

Contract status: ``proposed`` (one side signed) → ``signed`` (the other countersigned) or
``rejected``. Shipments and receipts are recorded as the parties sign them; contradictions
between flows (over-shipping, receiving more than shipped) are not refused here but reported
by ``matching.match``: the ledger keeps what was signed, the match judges it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from services.invoices.domain.fields import quantity_micro
from services.invoices.domain.messages import Event, TypedCommand
from services.invoices.domain.tax import format_quantity, line_amount_fen
from services.invoices.errors import TradeNotFound

PROPOSED, SIGNED, REJECTED = "proposed", "signed", "rejected"


@dataclass(frozen=True)
class GoodsLine:
    item: str
    quantity: int  # millionths of the unit

    def to_dict(self) -> dict:
        return {"item": self.item, "quantity": format_quantity(self.quantity)}

    @classmethod
    def from_dict(cls, payload: dict) -> GoodsLine:
        return cls(payload["item"], quantity_micro(payload["quantity"]))


@dataclass(frozen=True)
class ContractLine(GoodsLine):
    unit_price_fen: int

    def to_dict(self) -> dict:
        return {**super().to_dict(), "unit_price_fen": self.unit_price_fen}

    @classmethod
    def from_dict(cls, payload: dict) -> ContractLine:
        return cls(payload["item"], quantity_micro(payload["quantity"]), payload["unit_price_fen"])

    @property
    def value_fen(self) -> int:
        return line_amount_fen(self.quantity, self.unit_price_fen)


@dataclass(frozen=True)
class GoodsDocument:
    """A shipment (``on`` = dispatch date) or a receipt of one (``on`` = receipt date)."""

    shipment_id: str
    on: str
    lines: tuple[GoodsLine, ...]

    def quantity(self, item: str) -> int:
        return sum(line.quantity for line in self.lines if line.item == item)


@dataclass(frozen=True)
class TradeState:
    trade_id: str
    contract_number: str
    seller: str
    buyer: str
    seller_credit_code: str
    buyer_credit_code: str
    lines: tuple[ContractLine, ...]
    proposed_by: str
    status: str = PROPOSED
    shipments: tuple[GoodsDocument, ...] = ()
    receipts: tuple[GoodsDocument, ...] = ()

    @property
    def contract_value_fen(self) -> int:
        return sum(line.value_fen for line in self.lines)

    def contract_line(self, item: str) -> ContractLine | None:
        return next((line for line in self.lines if line.item == item), None)

    def shipment(self, shipment_id: str) -> GoodsDocument | None:
        return next((doc for doc in self.shipments if doc.shipment_id == shipment_id), None)

    def receipt(self, shipment_id: str) -> GoodsDocument | None:
        return next((doc for doc in self.receipts if doc.shipment_id == shipment_id), None)

    def shipped(self, item: str) -> int:
        return sum(doc.quantity(item) for doc in self.shipments)

    def received(self, item: str) -> int:
        return sum(doc.quantity(item) for doc in self.receipts)

    @property
    def received_value_fen(self) -> int:
        """Goods received, valued at contract prices."""
        return sum(
            line_amount_fen(self.received(line.item), line.unit_price_fen) for line in self.lines
        )


def require_trade(state: TradeState | None) -> TradeState:
    if state is None:
        raise TradeNotFound("no trade on this stream")
    return state


@dataclass(frozen=True)
class TradeCommand(TypedCommand):
    """Base of the commands on ``trade:<trade_id>``."""

    AGGREGATE = "trade"
    trade_id: str

    @property
    def stream_key(self) -> str:
        return self.trade_id


# --- events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TradeEvent(Event):
    AGGREGATE = "trade"
    trade_id: str


@dataclass(frozen=True)
class TradeContractProposed(TradeEvent):
    name = "trade_contract_proposed"
    NESTED = {"lines": ContractLine}
    contract_number: str
    seller: str
    buyer: str
    seller_credit_code: str
    buyer_credit_code: str
    lines: tuple[ContractLine, ...]
    proposed_by: str
    value_fen: int


@dataclass(frozen=True)
class TradeContractSigned(TradeEvent):
    name = "trade_contract_signed"
    signed_by: str


@dataclass(frozen=True)
class TradeContractRejected(TradeEvent):
    name = "trade_contract_rejected"
    rejected_by: str
    reason: str | None


@dataclass(frozen=True)
class ShipmentDispatched(TradeEvent):
    name = "shipment_dispatched"
    NESTED = {"lines": GoodsLine}
    shipment_id: str
    dispatched_on: str
    lines: tuple[GoodsLine, ...]


@dataclass(frozen=True)
class GoodsReceived(TradeEvent):
    name = "goods_received"
    NESTED = {"lines": GoodsLine}
    shipment_id: str
    received_on: str
    lines: tuple[GoodsLine, ...]


def evolve_trade(state: TradeState | None, event: Event) -> TradeState:
    """Apply one trade-stream event; ``state`` is ``None`` before the proposal."""
    if isinstance(event, TradeContractProposed):
        values = {item.name: getattr(event, item.name) for item in fields(event)}
        values.pop("value_fen")
        return TradeState(**values)
    if state is None:
        raise ValueError(f"{event.name} does not apply to an empty trade")
    if isinstance(event, TradeContractSigned):
        return replace(state, status=SIGNED)
    if isinstance(event, TradeContractRejected):
        return replace(state, status=REJECTED)
    if isinstance(event, ShipmentDispatched):
        shipment = GoodsDocument(event.shipment_id, event.dispatched_on, event.lines)
        return replace(state, shipments=(*state.shipments, shipment))
    if isinstance(event, GoodsReceived):
        receipt = GoodsDocument(event.shipment_id, event.received_on, event.lines)
        return replace(state, receipts=(*state.receipts, receipt))
    raise ValueError(f"{event.name} does not apply to a trade")
