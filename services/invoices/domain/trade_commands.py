"""Trade commands: the two-phase contract (one side proposes, the other countersigns or
rejects), shipments (seller signs) and receipts (buyer signs, possibly short).

Commands:

- ``trade.propose_contract`` {trade_id, contract_number, seller, buyer,
  lines: [{item, quantity, unit_price_fen}]}  — signed by the seller or the buyer
- ``trade.sign_contract`` {trade_id}  — signed by the other side
- ``trade.reject_contract`` {trade_id, reason?}  — signed by the other side
- ``trade.dispatch_shipment`` {trade_id, shipment_id, dispatched_on, lines: [{item, quantity}]}
- ``trade.receive_goods`` {trade_id, shipment_id, received_on, lines: [{item, quantity}]}
  (quantity may be "0"; items of the shipment left out count as not received)
"""

from __future__ import annotations

from dataclasses import dataclass

from services.invoices.domain.fields import IDENTIFIER, PARTY, Body, unique
from services.invoices.domain.messages import ENTERPRISE, Context, Event
from services.invoices.domain.trade import (
    PROPOSED,
    SIGNED,
    ContractLine,
    GoodsLine,
    GoodsReceived,
    ShipmentDispatched,
    TradeCommand,
    TradeContractProposed,
    TradeContractRejected,
    TradeContractSigned,
    TradeState,
    require_trade,
)
from services.invoices.errors import (
    CommandBodyInvalid,
    PartyNotEnterprise,
    TradeAlreadyExists,
    TradeCountersignRequired,
    TradeDuplicateDocument,
    TradeInvalidState,
    TradeNotParty,
    TradeUnknownItem,
    TradeUnknownShipment,
)


@dataclass(frozen=True)
class ProposeContract(TradeCommand):
    TYPE = "trade.propose_contract"
    contract_number: str
    seller: str
    buyer: str
    lines: tuple[ContractLine, ...]

    @classmethod
    def from_body(cls, actor: str, body: Body) -> ProposeContract:
        lines = tuple(_contract_line(item) for item in body.items("lines"))
        unique([line.item for line in lines], "lines[].item")
        return cls(
            actor,
            body.text("trade_id", IDENTIFIER),
            body.text("contract_number", max_length=64),
            body.text("seller", PARTY),
            body.text("buyer", PARTY),
            lines,
        )


def _contract_line(item: Body) -> ContractLine:
    line = ContractLine(
        item.text("item", max_length=100), item.quantity("quantity"), item.fen("unit_price_fen")
    )
    item.done()
    return line


@dataclass(frozen=True)
class SignContract(TradeCommand):
    TYPE = "trade.sign_contract"

    @classmethod
    def from_body(cls, actor: str, body: Body) -> SignContract:
        return cls(actor, body.text("trade_id", IDENTIFIER))


@dataclass(frozen=True)
class RejectContract(TradeCommand):
    TYPE = "trade.reject_contract"
    reason: str | None

    @classmethod
    def from_body(cls, actor: str, body: Body) -> RejectContract:
        return cls(actor, body.text("trade_id", IDENTIFIER), body.optional_text("reason"))


@dataclass(frozen=True)
class DispatchShipment(TradeCommand):
    TYPE = "trade.dispatch_shipment"
    MINIMUM_QUANTITY = 1
    shipment_id: str
    on: str
    lines: tuple[GoodsLine, ...]

    @classmethod
    def from_body(cls, actor: str, body: Body) -> DispatchShipment:
        lines = tuple(_goods_line(item, cls.MINIMUM_QUANTITY) for item in body.items("lines"))
        unique([line.item for line in lines], "lines[].item")
        return cls(
            actor,
            body.text("trade_id", IDENTIFIER),
            body.text("shipment_id", IDENTIFIER),
            body.day("received_on" if cls.MINIMUM_QUANTITY == 0 else "dispatched_on"),
            lines,
        )


class ReceiveGoods(DispatchShipment):
    TYPE = "trade.receive_goods"
    MINIMUM_QUANTITY = 0


def _goods_line(item: Body, minimum: int) -> GoodsLine:
    line = GoodsLine(item.text("item", max_length=100), item.quantity("quantity", minimum))
    item.done()
    return line


def propose_contract(state, command: ProposeContract, context: Context) -> list[Event]:
    if state is not None:
        raise TradeAlreadyExists(f"trade {command.trade_id} already exists")
    if command.actor not in (command.seller, command.buyer):
        raise TradeNotParty("a contract is proposed by its seller or its buyer")
    codes = [_enterprise_code(party, context) for party in (command.seller, command.buyer)]
    if codes[0] == codes[1]:
        raise CommandBodyInvalid(
            "seller and buyer are the same enterprise", {"field": "buyer", "problem": "seller"}
        )
    value = sum(line.value_fen for line in command.lines)
    return [
        TradeContractProposed(
            command.trade_id, command.contract_number, command.seller, command.buyer,
            codes[0], codes[1], command.lines, command.actor, value,
        )
    ]  # fmt: skip


def _enterprise_code(party: str, context: Context) -> str:
    code = context.credit_code_of(party)
    if code is None or context.party_kind(party) != ENTERPRISE:
        raise PartyNotEnterprise(f"{party} is not an enterprise with a credit code")
    return code


def _countersign(state, actor: str) -> TradeState:
    trade = require_trade(state)
    if actor not in (trade.seller, trade.buyer):
        raise TradeNotParty("only the contract's other side may answer it")
    if actor == trade.proposed_by:
        raise TradeCountersignRequired("the other side must countersign the proposal")
    if trade.status != PROPOSED:
        raise TradeInvalidState(f"the contract is {trade.status}", {"status": trade.status})
    return trade


def sign_contract(state, command: SignContract, context: Context) -> list[Event]:
    trade = _countersign(state, command.actor)
    return [TradeContractSigned(trade.trade_id, command.actor)]


def reject_contract(state, command: RejectContract, context: Context) -> list[Event]:
    trade = _countersign(state, command.actor)
    return [TradeContractRejected(trade.trade_id, command.actor, command.reason)]


def _signed_by(state, actor: str, party: str) -> TradeState:
    trade = require_trade(state)
    if actor != getattr(trade, party):
        raise TradeNotParty(f"only the trade's {party} may record this")
    if trade.status != SIGNED:
        raise TradeInvalidState(f"the contract is {trade.status}", {"status": trade.status})
    return trade


def dispatch_shipment(state, command: DispatchShipment, context: Context) -> list[Event]:
    trade = _signed_by(state, command.actor, "seller")
    if trade.shipment(command.shipment_id) is not None:
        raise TradeDuplicateDocument("this shipment id was already dispatched")
    _require_items(command.lines, {line.item for line in trade.lines}, "contract")
    event = ShipmentDispatched(trade.trade_id, command.shipment_id, command.on, command.lines)
    return [event]


def receive_goods(state, command: ReceiveGoods, context: Context) -> list[Event]:
    trade = _signed_by(state, command.actor, "buyer")
    shipment = trade.shipment(command.shipment_id)
    if shipment is None:
        raise TradeUnknownShipment("no such shipment on this trade")
    if trade.receipt(command.shipment_id) is not None:
        raise TradeDuplicateDocument("this shipment was already received")
    _require_items(command.lines, {line.item for line in shipment.lines}, "shipment")
    return [GoodsReceived(trade.trade_id, command.shipment_id, command.on, command.lines)]


def _require_items(lines: tuple[GoodsLine, ...], known: set[str], where: str) -> None:
    for line in lines:
        if line.item not in known:
            raise TradeUnknownItem(f"{line.item!r} is not in the {where}", {"item": line.item})


HANDLERS = {
    ProposeContract: propose_contract,
    SignContract: sign_contract,
    RejectContract: reject_contract,
    DispatchShipment: dispatch_shipment,
    ReceiveGoods: receive_goods,
}
