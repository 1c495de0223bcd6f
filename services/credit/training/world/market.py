"""The day-by-day simulation: orders, goods, invoices, terms, payments, reversals, financing.

Every act is recorded as an ``Act`` (who signs which command type on which stream, with which
body, on which day) in the order it happens; stream versions are counted here, so the list
appends cleanly to an empty stretch of ledger. Bills live in ``instruments``, fraud typologies
in ``fraud``.

One trade, when nothing goes wrong: the buyer proposes the contract and the seller signs it;
the seller dispatches; the buyer receives; the seller issues the invoice (linked to the
trade) the same day; the buyer confirms it (确权) and agrees the due date
(``payment.terms_agreed``); the buyer's bank records the payment on the invoice, late by a
number of days that grows with the buyer's stress. A core enterprise pays some invoices with
a commercial acceptance bill instead (maturity = due date).
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from services.credit.training.world import documents as d
from services.credit.training.world.economy import (
    MONTH,
    Firm,
    build_firms,
    contagion,
    lateness_days,
)


@dataclass(frozen=True)
class Act:
    day: int
    signer: str
    type: str
    stream: str
    expected_version: int
    body: dict


@dataclass
class Trade:
    trade_id: str
    seller: str
    buyer: str
    lines: list[d.Goods]
    on_time: bool = False  # circular trades pay on the day


@dataclass
class Invoice:
    number: str
    seller: str
    buyer: str
    trade_id: str | None
    amount: int
    tax: int
    on_time: bool = False
    confirmed: bool = False
    reversed_amount: int = 0
    reversed_tax: int = 0
    paid: int = 0
    due_day: int | None = None
    bill: str | None = None
    claims: dict[str, int] = field(default_factory=dict)
    reversal_planned: bool = False

    @property
    def total(self) -> int:
        return self.amount + self.tax

    @property
    def outstanding(self) -> int:
        return self.total - self.reversed_amount - self.reversed_tax - self.paid


@dataclass
class Financing:
    financing_id: str
    sme: str
    bank: str
    pledges: dict[str, int]
    amount: int
    repaid: int = 0


class Simulation:
    def __init__(self, seed: int, size: int, start: date, days: int):
        self.seed, self.size, self.start, self.days = seed, size, start, days
        self.rng = random.Random(f"credit-world:{seed}:{size}")
        self.firms: dict[str, Firm] = build_firms(self.rng, seed, size)
        self.numbers = d.Numbering(seed, size)
        self.acts: list[Act] = []
        self.versions: dict[str, int] = defaultdict(int)
        self.day = 0
        self._queue: list = []
        self._order = itertools.count()
        self.invoices: dict[str, Invoice] = {}
        self.financings: dict[str, Financing] = {}
        self.consents: set[tuple[str, str]] = set()
        self.pace: dict[str, float] = defaultdict(lambda: 1.0)  # > 1 while inflating volume
        self.fraud_log: list[tuple[str, str, int]] = []  # (party, pattern, day)

    # -- plumbing -------------------------------------------------------------------------

    @property
    def today(self) -> date:
        return self.start + timedelta(days=self.day)

    def emit(self, signer: str, type: str, stream: str, body: dict) -> None:
        version = self.versions[stream]
        self.versions[stream] = version + 1
        self.acts.append(Act(self.day, signer, type, stream, version, body))

    def at(self, day: int, action, *args) -> None:
        if day < self.days:
            heapq.heappush(self._queue, (max(day, self.day), next(self._order), action, args))

    def firm(self, party: str) -> Firm:
        return self.firms[party]

    def live(self, *parties: str) -> bool:
        return not any(self.firms[p].defaulted for p in parties)

    def run(self) -> None:
        from services.credit.training.world import fraud, instruments

        self.bills = instruments.Bills(self)
        self._open_programmes()
        self._schedule_relationships()
        fraud.plan(self)
        macro = 0.0
        for day in range(self.days):
            self.day = day
            if day and day % MONTH == 0:
                macro = 0.5 * macro + self.rng.gauss(0, 0.025)
                self._month(macro)
            while self._queue and self._queue[0][0] <= day:
                _, _, action, args = heapq.heappop(self._queue)
                action(*args)

    # -- the economy's rhythm ------------------------------------------------------------

    def _open_programmes(self) -> None:
        """Each core enterprise anchors a supply-chain programme opened by a bank."""
        for firm in self.firms.values():
            if firm.role == "core":
                programme = self.numbers.reference("p")
                limit = firm.order_scale * 40
                body = {"programme_id": programme, "anchor": firm.party_id, "limit_fen": limit}
                self.emit(firm.bank, "programme.open", f"programme:{programme}", body)

    def _schedule_relationships(self) -> None:
        for firm in self.firms.values():
            for buyer in firm.buyers:
                self.at(self.rng.randint(0, MONTH), self.order, firm.party_id, buyer)

    def _month(self, macro: float) -> None:
        from services.credit.training.world.economy import monthly_health

        for failed in monthly_health(self.rng, self.firms, macro, self.day):
            contagion(self.firms, failed)
        for firm in self.firms.values():
            if firm.role == "sme" and not firm.defaulted:
                chance = 0.02 + 0.45 * firm.stress()
                if self.rng.random() < chance:
                    self.finance(firm.party_id)

    def order(self, seller: str, buyer: str) -> None:
        """A recurring order on one supplier relationship, until either side defaults."""
        if not self.live(seller, buyer):
            return
        self.start_trade(seller, buyer)
        slowdown = 1 + 1.5 * self.firm(seller).stress()  # a firm in trouble sells less
        gap = max(6, int(self.rng.expovariate(1 / 34) * slowdown))
        self.at(self.day + gap, self.order, seller, buyer)

    # -- goods and information flows -----------------------------------------------------

    def start_trade(self, seller: str, buyer: str, scale: float = 1.0, ship: bool = True):
        firm = self.firm(seller)
        value = firm.order_scale * scale * self.rng.lognormvariate(0, 0.45)
        if self.firm(buyer).role == "core":
            value *= 2.5
        price = self.rng.randint(20, 2000) * 100
        lines = [d.Goods(firm.item, max(1, int(value // price)), price)]
        trade = Trade(self.numbers.trade_id(), seller, buyer, lines)
        stream = f"trade:{trade.trade_id}"
        self.emit(buyer, "trade.propose_contract", stream, d.contract_body(
            trade.trade_id, seller, buyer, lines))  # fmt: skip
        self.emit(seller, "trade.sign_contract", stream, {"trade_id": trade.trade_id})
        if ship:
            self.at(self.day + self.rng.randint(1, 6), self.dispatch, trade)
        return trade

    def dispatch(self, trade: Trade) -> None:
        if not self.live(trade.seller, trade.buyer):
            return
        body = d.goods_body(
            trade.trade_id, f"{trade.trade_id}-s1", "dispatched_on", self.today, trade.lines
        )
        self.emit(trade.seller, "trade.dispatch_shipment", f"trade:{trade.trade_id}", body)
        self.at(self.day + self.rng.randint(1, 4), self.receive, trade)

    def receive(self, trade: Trade) -> None:
        if not self.live(trade.buyer):
            return
        body = d.goods_body(
            trade.trade_id, f"{trade.trade_id}-s1", "received_on", self.today, trade.lines
        )
        self.emit(trade.buyer, "trade.receive_goods", f"trade:{trade.trade_id}", body)
        invoice = self.issue_invoice(trade.seller, trade.buyer, trade.lines, trade.trade_id)
        invoice.on_time = trade.on_time
        self.at(self.day + self.rng.randint(0, 3), self.confirm, invoice)

    def issue_invoice(self, seller: str, buyer: str, lines, trade_id) -> Invoice:
        number = self.numbers.invoice_number()
        codes = self.firm(seller).credit_code, self.firm(buyer).credit_code
        body = d.invoice_body(number, self.today, *codes, lines, trade_id)
        self.emit(seller, "invoice.issue", f"invoice:{number}", body)
        invoice = Invoice(number, seller, buyer, trade_id, body["amount_fen"], body["tax_fen"])
        self.invoices[number] = invoice
        return invoice

    def confirm(self, invoice: Invoice, pay: bool = True) -> None:
        if not self.live(invoice.buyer):
            return
        self.emit(invoice.buyer, "invoice.confirm", f"invoice:{invoice.number}", {
            "number": invoice.number})  # fmt: skip
        invoice.confirmed = True
        if not pay:
            return
        buyer = self.firm(invoice.buyer)
        terms = self.rng.choice((60, 90, 120) if buyer.role == "core" else (30, 45, 60, 90))
        invoice.due_day = self.day + terms
        if buyer.role == "core" and self.live(invoice.seller) and self.rng.random() < 0.35:
            self.bills.pay_with_bill(invoice, terms)
        due = (self.start + timedelta(days=invoice.due_day)).isoformat()
        body = {"number": invoice.number, "due_date": due}
        self.emit(invoice.buyer, "payment.terms_agreed", f"payment:{invoice.number}", body)
        if invoice.bill is None:
            self.at(invoice.due_day, self.due, invoice)
        seller = self.firm(invoice.seller)
        if self.rng.random() < seller.dilution and terms > 10:
            invoice.reversal_planned = True
            self.at(self.day + self.rng.randint(3, terms - 5), self.reverse, invoice)

    def reverse(self, invoice: Invoice, share: float | None = None) -> None:
        """A red-letter reversal (partial), countersigned by the buyer who confirmed."""
        if invoice.paid or invoice.outstanding <= 0 or not self.live(invoice.buyer):
            return
        if invoice.claims and share is None:
            return  # ordinary dilution never hits a financed invoice; the fraud pattern does
        share = share if share is not None else self.rng.uniform(0.05, 0.3)
        amount = max(1, min(invoice.amount - invoice.reversed_amount, int(invoice.amount * share)))
        tax = min(invoice.tax - invoice.reversed_tax, d.tax_of(amount))
        reversal = self.numbers.reference("r")
        stream = f"invoice:{invoice.number}"
        body = {"number": invoice.number, "reversal_id": reversal, "amount_fen": amount}
        self.emit(invoice.seller, "invoice.request_reversal", stream, {**body, "tax_fen": tax})
        self.emit(invoice.buyer, "invoice.approve_reversal", stream, {
            "number": invoice.number, "reversal_id": reversal})  # fmt: skip
        invoice.reversed_amount += amount
        invoice.reversed_tax += tax
        self._fit_claims(invoice)

    def _fit_claims(self, invoice: Invoice) -> None:
        """What the registry does after a reversal: newest claims are cut first."""
        excess = sum(invoice.claims.values()) - invoice.outstanding
        for claim_id in reversed(list(invoice.claims)):
            cut = min(excess, invoice.claims[claim_id])
            if cut > 0:
                invoice.claims[claim_id] -= cut
                excess -= cut

    # -- funds flow ------------------------------------------------------------------------

    def due(self, invoice: Invoice) -> None:
        if not self.live(invoice.buyer):
            return
        late = 0 if invoice.on_time else lateness_days(self.rng, self.firm(invoice.buyer))
        self.at(self.day + late, self.pay, invoice)

    def pay(self, invoice: Invoice) -> None:
        if not self.live(invoice.buyer) or invoice.outstanding <= 0:
            return
        amount = invoice.outstanding
        body = {"number": invoice.number, "payment_ref": self.numbers.reference("pay")}
        claim = next((c for c, held in invoice.claims.items() if held > 0), None)
        if claim is not None:
            body["claim_id"] = claim
        bank = self.firm(invoice.buyer).bank
        self.emit(bank, "invoice.record_payment", f"invoice:{invoice.number}", {
            **body, "amount_fen": amount})  # fmt: skip
        self.settled(invoice, amount, claim)

    def settled(self, invoice: Invoice, amount: int, claim: str | None) -> None:
        invoice.paid += amount
        for claim_id in list(invoice.claims):
            invoice.claims[claim_id] = 0
        if claim is not None:
            self.repay(self.financings[claim], invoice.number)

    # -- receivable financing --------------------------------------------------------------

    def financeable(self, sme: str) -> list[Invoice]:
        return [
            invoice
            for invoice in self.invoices.values()
            if invoice.seller == sme
            and invoice.confirmed
            and invoice.trade_id is not None
            and invoice.bill is None
            and invoice.due_day is not None
            and invoice.due_day - self.day >= 15
            and not invoice.claims
            and not invoice.reversal_planned
            and invoice.paid == 0
            and invoice.outstanding > 0
        ]

    def grant_consent(self, sme: str, bank: str) -> None:
        if (sme, bank) not in self.consents:
            self.consents.add((sme, bank))
            self.emit(sme, "consent.grant", f"consent:{sme}", {"bank": bank})

    def apply(self, sme: str, bank: str, pledges: dict[str, int]) -> str:
        self.grant_consent(sme, bank)
        financing_id = self.numbers.reference("f")
        amount = sum(pledges.values()) * 8 // 10
        body = {
            "financing_id": financing_id,
            "bank": bank,
            "invoices": [{"number": n, "amount_fen": a} for n, a in pledges.items()],
            "amount_fen": amount,
        }
        self.emit(sme, "financing.apply", f"financing:{financing_id}", body)
        return financing_id

    def finance(self, sme: str, limit: int = 3) -> Financing | None:
        """Apply with up to ``limit`` matched, confirmed invoices; the house bank approves,
        registers its claims and disburses the same day."""
        candidates = self.financeable(sme)
        if not candidates:
            return None
        chosen = self.rng.sample(candidates, min(limit, len(candidates)))
        bank = self.firm(sme).bank
        pledges = {invoice.number: invoice.outstanding for invoice in chosen}
        financing_id = self.apply(sme, bank, pledges)
        stream = f"financing:{financing_id}"
        self.emit(bank, "financing.approve", stream, {"financing_id": financing_id})
        for invoice in chosen:
            body = {"number": invoice.number, "claim_id": financing_id}
            body["amount_fen"] = pledges[invoice.number]
            self.emit(bank, "invoice.claim_financing", f"invoice:{invoice.number}", body)
            invoice.claims[financing_id] = pledges[invoice.number]
        body = {"financing_id": financing_id, "disbursement_ref": self.numbers.reference("d")}
        self.emit(bank, "financing.disburse", stream, body)
        financing = Financing(financing_id, sme, bank, pledges, sum(pledges.values()) * 8 // 10)
        self.financings[financing_id] = financing
        return financing

    def repay(self, financing: Financing, number: str) -> None:
        share = financing.amount * financing.pledges[number] // sum(financing.pledges.values())
        owed = financing.amount - financing.repaid
        last = all(self.invoices[n].paid for n in financing.pledges)
        amount = owed if last else min(owed, share)
        if amount <= 0:
            return
        financing.repaid += amount
        body = {"financing_id": financing.financing_id, "amount_fen": amount}
        body["repayment_ref"] = self.numbers.reference("rp")
        self.emit(
            financing.bank,
            "financing.record_repayment",
            f"financing:{financing.financing_id}",
            body,
        )
