"""The gateway's stack plus the credit service, and a small supply chain on it for the insight
routes and views: a core enterprise buying from an SME under a matched trade and a partly
delivered one, the SME's invoices and a financing application to a bank, a bill the core
enterprise drew to the SME (endorsed on, and recorded as settling the matched invoice), a
regulator, and a stranger who takes part in none of it.

Real time throughout (the clock key is never set): the browser stamps commands by the
server's clock, and invoices carry today's date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from tests.support.bills_service_harness import Desk as BillDesk
from tests.support.gateway_harness import add_user, start_stack
from tests.support.invoice_factories import random_id
from tests.support.invoices_service_harness import Desk as InvoiceDesk
from tests.support.invoices_service_harness import Party
from tests.support.ledger_factories import Signer, admission

TOTAL = 113_000  # the harness's standard invoice: 10 units at 100.00 + 13% VAT


class RealClock:
    """What the bills desk signs by: the wall clock, as the services read it here."""

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)


def start_insight_stack(label, ledger_config, database_factory, services, run_id, prefix, op):
    """``gateway_harness.start_stack`` (browser keys auto-approved) with a credit service on
    the same broker and ledger."""
    from nameko.containers import ServiceContainer

    from services.credit.operations import migrate
    from services.credit.service import CreditService

    stack, stop_stack = start_stack(
        label, ledger_config, database_factory, services, run_id, prefix, op,
        GATEWAY_AUTO_APPROVE_KEYS="true",  # the browser's key is admitted on first sign-in
    )  # fmt: skip
    migrate(stack.config)
    credit = ServiceContainer(CreditService, stack.config)
    credit.start()
    stack.containers.append(credit)

    def stop():
        credit.stop()
        stack.containers.remove(credit)
        stop_stack()

    return stack, stop


@dataclass
class SupplyChain:
    sme: Party
    core: Party
    bank: Party
    regulator: Signer
    stranger: Party
    matched_trade: str
    partial_trade: str
    invoice: str
    financing_id: str
    bill: str
    endorsee: Party
    users: SimpleNamespace


def build_supply_chain(stack, operator: Signer) -> SupplyChain:
    rpc = stack.rpc
    bills = BillDesk(rpc, RealClock(), operator)
    invoices = InvoiceDesk(rpc)

    def party(kind: str = "enterprise") -> Party:
        signer = bills.admit(kind)
        return Party(signer, kind, rpc.ledger.get_party(signer.party_id)["credit_code"])

    sme, core, endorsee, stranger = (party() for _ in range(4))
    bank = party("bank")
    wire, regulator = admission(operator, "regulator")
    rpc.ledger.append_one(wire)

    matched_trade, invoice = invoices.matched_trade(sme, core)
    partial_trade = invoices.signed_trade(sme, core, quantity="20")
    invoices.ship(partial_trade, sme, "20")
    invoices.confirmed_invoice(sme, core, trade_id=partial_trade)
    invoices.submit(sme, "consent.grant", {"bank": bank.id})
    financing_id = random_id("fin")
    application = {
        "financing_id": financing_id,
        "bank": bank.id,
        "invoices": [{"number": invoice, "amount_fen": TOTAL}],
        "amount_fen": 90_000,
    }
    invoices.submit(sme, "financing.apply", application)

    maturity = date.today() + timedelta(days=90)
    bill = bills.deliver(core.signer, bank.signer, sme.signer, maturity)
    bills.endorse(sme.signer, bill, 1, 1000, endorsee.signer)
    settlement = {"number": invoice, "bill_number": bill, "amount_fen": 10_000}
    invoices.submit(Party(operator, "operator", None), "invoice.record_bill_settlement", settlement)

    users = SimpleNamespace(
        sme=add_user(stack.config, sme.id),
        bank=add_user(stack.config, bank.id),
        regulator=add_user(stack.config, regulator.party_id),
        stranger=add_user(stack.config, stranger.id),
    )
    return SupplyChain(
        sme, core, bank, regulator, stranger, matched_trade, partial_trade, invoice,
        financing_id, bill, endorsee, users,
    )  # fmt: skip
