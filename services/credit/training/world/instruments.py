"""Supply-chain bills in the synthetic world: how a core enterprise's credit travels down.

A core enterprise pays a tier-1 invoice with a commercial acceptance supply-chain bill it
draws and accepts itself (maturity = the invoice's due date). The tier-1 holder may endorse a
split sub-range to one of its own suppliers; a holder under stress may discount its range at
its house bank. At maturity every holder presents its range; the acceptor pays each range —
or, if it has defaulted, dishonours it — and the acceptor's bank records the bill settlement
on the invoice. Sub-tickets are fen, so a range ``[start, end]`` is worth ``end - start + 1``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta


@dataclass
class Bill:
    package_no: str
    acceptor: str
    amount: int
    maturity_day: int
    invoice: object
    holders: dict[int, list] = field(default_factory=dict)  # start -> [end, holder]

    @property
    def stream(self) -> str:
        return f"bill:{self.package_no}"


class Bills:
    def __init__(self, simulation):
        self.sim = simulation

    def pay_with_bill(self, invoice, terms: int) -> None:
        sim = self.sim
        drawer, payee = invoice.buyer, invoice.seller
        bill = Bill(sim.numbers.package_no(), drawer, invoice.total, sim.day + terms, invoice)
        bill.holders[1] = [bill.amount, payee]
        maturity = sim.start + timedelta(days=bill.maturity_day)
        sim.emit(drawer, "bill.issue", bill.stream, {
            "package_no": bill.package_no,
            "kind": "commercial_acceptance",
            "acceptor": drawer,
            "payee": payee,
            "amount_fen": bill.amount,
            "issue_date": sim.today.isoformat(),
            "maturity_date": maturity.isoformat(),
            "supply_chain": True,
        })  # fmt: skip
        for signer, act in (
            (drawer, "bill.present_acceptance"),
            (drawer, "bill.accept"),
            (drawer, "bill.present_receipt"),
            (payee, "bill.receive"),
        ):
            sim.emit(signer, act, bill.stream, {})
        invoice.bill = bill.package_no
        sim.at(bill.maturity_day, self.mature, bill)
        if sim.firm(payee).suppliers and sim.rng.random() < 0.5:
            sim.at(sim.day + sim.rng.randint(5, 25), self.endorse, bill, payee)
        self._maybe_discount(bill, payee)

    def _maybe_discount(self, bill: Bill, holder: str) -> None:
        sim = self.sim
        if sim.rng.random() < 0.1 + 0.5 * sim.firm(holder).stress():
            sim.at(sim.day + sim.rng.randint(2, 30), self.discount, bill, holder)

    def _range_of(self, bill: Bill, holder: str) -> tuple[int, int] | None:
        for start, (end, who) in sorted(bill.holders.items()):
            if who == holder:
                return start, end
        return None

    def endorse(self, bill: Bill, holder: str) -> None:
        sim = self.sim
        held = self._range_of(bill, holder)
        endorsees = [s for s in sim.firm(holder).suppliers if sim.live(s)]
        if held is None or not endorsees or sim.day >= bill.maturity_day - 1:
            return
        start, end = held
        part = int((end - start + 1) * sim.rng.uniform(0.2, 0.6))
        if part < 1 or part >= end - start + 1:
            return
        endorsee = sim.rng.choice(endorsees)
        sim.emit(holder, "bill.endorse", bill.stream, {
            "start": start, "end": start + part - 1, "endorsee": endorsee})  # fmt: skip
        sim.emit(endorsee, "bill.sign", bill.stream, {"start": start})
        bill.holders[start] = [start + part - 1, endorsee]
        bill.holders[start + part] = [end, holder]
        self._maybe_discount(bill, endorsee)

    def discount(self, bill: Bill, holder: str) -> None:
        sim = self.sim
        held = self._range_of(bill, holder)
        if held is None or sim.day >= bill.maturity_day - 1 or not sim.live(holder):
            return
        start, end = held
        bank = sim.firm(holder).bank
        rate = 250 + int(150 * sim.firm(holder).stress())
        sim.emit(holder, "bill.discount", bill.stream, {
            "start": start, "end": end, "bank": bank, "rate_bp": rate})  # fmt: skip
        sim.emit(bank, "bill.sign", bill.stream, {"start": start})
        bill.holders[start] = [end, bank]

    def mature(self, bill: Bill) -> None:
        """Every holder presents its range; a defaulted acceptor dishonours."""
        sim = self.sim
        defaulted = not sim.live(bill.acceptor)
        for start, (_end, holder) in sorted(bill.holders.items()):
            sim.emit(holder, "bill.present_payment", bill.stream, {"start": start})
            if defaulted:
                body = {"start": start, "reason": "acceptor insolvent"}
                sim.emit(bill.acceptor, "bill.dishonour", bill.stream, body)
            else:
                sim.emit(bill.acceptor, "bill.pay", bill.stream, {"start": start})
        invoice = bill.invoice
        if defaulted or invoice.outstanding <= 0:
            return
        amount = min(bill.amount, invoice.outstanding)
        body = {"number": invoice.number, "bill_number": bill.package_no, "amount_fen": amount}
        claim = next((c for c, held in invoice.claims.items() if held > 0), None)
        if claim is not None:
            body["claim_id"] = claim
        bank = sim.firm(bill.acceptor).bank
        sim.emit(bank, "invoice.record_bill_settlement", f"invoice:{invoice.number}", body)
        sim.settled(invoice, amount, claim)
