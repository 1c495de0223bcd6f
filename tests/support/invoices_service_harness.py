"""Driving the invoices service over RPC as its users would: each party signs its own commands.

``Desk(rpc)`` signs a command for a party, names the stream the domain says it belongs on,
reads the stream's version from the ledger (unless told), and submits it to
``invoices.submit``. Scenario helpers build trades, shipments and invoices whose figures add up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from services.common.errors import CommandRejected
from services.invoices.domain import Command, stream_for
from services.invoices.domain.messages import CHINA_STANDARD_TIME
from tests.support.invoice_factories import invoice_body, line, random_id
from tests.support.ledger_factories import Signer

ITEM = "热轧钢卷"
DISPATCHED_ON, RECEIVED_ON = "2026-02-20", "2026-02-24"


def today_in_china() -> str:
    return datetime.now(CHINA_STANDARD_TIME).date().isoformat()


@dataclass(frozen=True)
class Party:
    signer: Signer
    kind: str
    credit_code: str | None

    @property
    def id(self) -> str:
        return self.signer.party_id


class Desk:
    def __init__(self, rpc):
        self.rpc = rpc

    @staticmethod
    def stream(party: Party, type: str, body: dict) -> str:
        return stream_for(Command(type, party.id, body))

    def wire(self, party: Party, type: str, body: dict, version: int | None = None) -> dict:
        stream = self.stream(party, type, body)
        if version is None:
            version = self.rpc.ledger.stream_version(stream)
        return party.signer.wire(type, stream, version, body)

    def submit(self, party: Party, type: str, body: dict, version: int | None = None) -> dict:
        return self.rpc.invoices.submit(self.wire(party, type, body, version))

    def refused(self, party: Party, type: str, body: dict, version: int | None = None):
        with pytest.raises(CommandRejected) as refusal:
            self.submit(party, type, body, version)
        return refusal.value

    # -- scenarios -------------------------------------------------------------------------

    def signed_trade(self, seller: Party, buyer: Party, quantity="10", unit_price_fen=10_000):
        """A contract the buyer proposes and the seller countersigns; its trade id."""
        trade_id = random_id("trade")
        contract_line = {"item": ITEM, "quantity": quantity, "unit_price_fen": unit_price_fen}
        body = {
            "trade_id": trade_id,
            "contract_number": random_id("HT"),
            "seller": seller.id,
            "buyer": buyer.id,
            "lines": [contract_line],
        }
        self.submit(buyer, "trade.propose_contract", body)
        self.submit(seller, "trade.sign_contract", {"trade_id": trade_id})
        return trade_id

    def ship(self, trade_id: str, seller: Party, quantity: str) -> str:
        shipment_id = random_id("ship")
        body = {"trade_id": trade_id, "shipment_id": shipment_id, "dispatched_on": DISPATCHED_ON}
        goods = [{"item": ITEM, "quantity": quantity}]
        self.submit(seller, "trade.dispatch_shipment", {**body, "lines": goods})
        return shipment_id

    def receive(self, trade_id: str, shipment_id: str, buyer: Party, quantity: str) -> None:
        body = {"trade_id": trade_id, "shipment_id": shipment_id, "received_on": RECEIVED_ON}
        goods = [{"item": ITEM, "quantity": quantity}]
        self.submit(buyer, "trade.receive_goods", {**body, "lines": goods})

    def invoice(self, seller: Party, buyer: Party, quantity="10", **overrides) -> dict:
        lines = [line(name=ITEM, quantity=quantity)]
        overrides = {"issue_date": today_in_china(), **overrides}
        return invoice_body(seller.credit_code, buyer.credit_code, lines, **overrides)

    def confirmed_invoice(self, seller: Party, buyer: Party, quantity="10", **overrides) -> str:
        body = self.invoice(seller, buyer, quantity, **overrides)
        self.submit(seller, "invoice.issue", body)
        self.submit(buyer, "invoice.confirm", {"number": body["number"]})
        return body["number"]

    def matched_trade(self, seller: Party, buyer: Party) -> tuple[str, str]:
        """10 units at 100.00 contracted, shipped, received and invoiced (1,000.00 + 13% VAT
        = 113,000 fen), the invoice confirmed: (trade id, invoice number)."""
        trade_id = self.signed_trade(seller, buyer)
        shipment = self.ship(trade_id, seller, "10")
        self.receive(trade_id, shipment, buyer, "10")
        return trade_id, self.confirmed_invoice(seller, buyer, trade_id=trade_id)


def codes_of(replies) -> list[str]:
    """``"OK"`` or the refusal code of each async RPC reply, in order."""
    codes = []
    for reply in replies:
        try:
            reply.result()
            codes.append("OK")
        except CommandRejected as refusal:
            codes.append(refusal.code)
    return codes


def as_refusal(action) -> CommandRejected:
    with pytest.raises(CommandRejected) as refusal:
        action()
    return refusal.value
