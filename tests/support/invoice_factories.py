"""Factories for the invoices domain tests: parties with valid credit codes, invoice bodies
whose lines add up, and ``Platform`` — an in-memory ledger of streams that also plays the
read-only ``Records`` the financing checks consult.

Every event ``Platform`` applies first goes through ``to_dict`` → canonical bytes →
``event_from_dict``, so each test also proves the events survive the wire.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from ledger import canonical_decode, canonical_encode
from ledger.credit_code import example_credit_code
from services.invoices.domain import (
    Command,
    Context,
    decide,
    event_from_dict,
    evolve,
    stream_for,
)

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
TODAY = "2026-03-02"


def invoice_number() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(20))


def credit_code() -> str:
    return example_credit_code(secrets.randbelow(10**8))


def random_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(5)}"


def line(name="热轧钢卷", quantity="10", unit_price_fen=10_000, tax_rate_bp=1300) -> dict:
    """A line whose amount and tax are computed with ``Decimal`` (an independent oracle)."""
    amount = (Decimal(quantity) * unit_price_fen).quantize(Decimal(1), ROUND_HALF_UP)
    tax = (amount * tax_rate_bp / 10_000).quantize(Decimal(1), ROUND_HALF_UP)
    return {
        "name": name,
        "quantity": quantity,
        "unit_price_fen": unit_price_fen,
        "amount_fen": int(amount),
        "tax_rate_bp": tax_rate_bp,
        "tax_fen": int(tax),
    }


def invoice_body(seller_code: str, buyer_code: str, lines=None, **overrides) -> dict:
    lines = lines or [line()]
    amount = sum(item["amount_fen"] for item in lines)
    tax = sum(item["tax_fen"] for item in lines)
    body = {
        "number": invoice_number(),
        "issue_date": TODAY,
        "seller_credit_code": seller_code,
        "buyer_credit_code": buyer_code,
        "lines": lines,
        "amount_fen": amount,
        "tax_fen": tax,
        "total_fen": amount + tax,
    }
    return {**body, **overrides}


@dataclass(frozen=True)
class Party:
    id: str
    kind: str
    credit_code: str | None


class Platform:
    """Streams of state by name, appended to only through ``decide`` and ``evolve``."""

    def __init__(self, now: datetime = NOW):
        self.now = now
        self.parties: dict[str, Party] = {}
        self.states: dict[str, object] = {}
        self.log: list = []
        self.credit: dict[tuple[str, str], int] = {}

    # parties ----------------------------------------------------------------------------

    def party(self, kind: str) -> Party:
        code = credit_code() if kind in ("enterprise", "bank") else None
        party = Party(random_id(kind), kind, code)
        self.parties[party.id] = party
        return party

    def enterprise(self) -> Party:
        return self.party("enterprise")

    def bank(self) -> Party:
        return self.party("bank")

    @property
    def context(self) -> Context:
        return Context(
            self.now,
            lambda party: getattr(self.parties.get(party), "kind", None),
            lambda party: getattr(self.parties.get(party), "credit_code", None),
            records=self,
        )

    # the ledger -------------------------------------------------------------------------

    def submit(self, type: str, actor: Party | str, body: dict) -> list:
        actor_id = actor.id if isinstance(actor, Party) else actor
        command = Command(type, actor_id, body)
        stream = stream_for(command)
        state = self.states.get(stream)
        events = decide(state, command, self.context)
        for event in events:
            wire = canonical_decode(canonical_encode(event.to_dict()))
            state = evolve(state, event_from_dict(wire))
            self.log.append(event)
        self.states[stream] = state
        return events

    def state(self, stream: str):
        return self.states.get(stream)

    # Records ----------------------------------------------------------------------------

    def invoice(self, number: str):
        return self.states.get(f"invoice:{number}")

    def trade(self, trade_id: str):
        return self.states.get(f"trade:{trade_id}")

    def invoices_of_trade(self, trade_id: str):
        return [
            state
            for stream, state in self.states.items()
            if stream.startswith("invoice:") and state.trade_id == trade_id
        ]

    def consent(self, sme: str):
        return self.states.get(f"consent:{sme}")

    def available_credit_fen(self, sme: str, bank: str) -> int | None:
        return self.credit.get((sme, bank))

    # scenarios --------------------------------------------------------------------------

    def issue(self, seller: Party, buyer: Party, lines=None, **overrides) -> str:
        body = invoice_body(seller.credit_code, buyer.credit_code, lines, **overrides)
        self.submit("invoice.issue", seller, body)
        return body["number"]

    def confirmed_invoice(self, seller: Party, buyer: Party, lines=None, **overrides) -> str:
        number = self.issue(seller, buyer, lines, **overrides)
        self.submit("invoice.confirm", buyer, {"number": number})
        return number

    def signed_trade(self, seller: Party, buyer: Party, quantity="10", unit_price_fen=10_000):
        trade_id = random_id("trade")
        contract_line = {"item": "热轧钢卷", "quantity": quantity, "unit_price_fen": unit_price_fen}
        body = {
            "trade_id": trade_id,
            "contract_number": random_id("HT"),
            "seller": seller.id,
            "buyer": buyer.id,
            "lines": [contract_line],
        }
        self.submit("trade.propose_contract", buyer, body)
        self.submit("trade.sign_contract", seller, {"trade_id": trade_id})
        return trade_id

    def ship(self, trade_id: str, seller: Party, quantity: str, on: str = "2026-02-20") -> str:
        shipment_id = random_id("ship")
        goods = [{"item": "热轧钢卷", "quantity": quantity}]
        body = {"trade_id": trade_id, "shipment_id": shipment_id, "dispatched_on": on}
        self.submit("trade.dispatch_shipment", seller, {**body, "lines": goods})
        return shipment_id

    def receive(self, trade_id: str, shipment_id: str, buyer: Party, quantity: str, on=TODAY):
        goods = [{"item": "热轧钢卷", "quantity": quantity}]
        body = {"trade_id": trade_id, "shipment_id": shipment_id, "received_on": on}
        self.submit("trade.receive_goods", buyer, {**body, "lines": goods})

    def matched_trade(self, seller: Party, buyer: Party) -> tuple[str, str]:
        """A signed contract for 10 units at 100.00, shipped, received and invoiced in full
        (1000.00 + 13% VAT), the invoice confirmed: (trade_id, invoice number)."""
        trade_id = self.signed_trade(seller, buyer)
        shipment = self.ship(trade_id, seller, "10")
        self.receive(trade_id, shipment, buyer, "10")
        number = self.confirmed_invoice(seller, buyer, trade_id=trade_id)
        return trade_id, number
