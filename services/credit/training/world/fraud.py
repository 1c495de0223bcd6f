"""Labelled fraud typologies injected into the synthetic world (labels stay off the ledger).

- ``invoice_without_shipment``: a contract and a confirmed invoice with an accomplice buyer,
  no goods ever shipped; the invoice is offered for financing (the automatic check finds the
  trade unmatched) and later reversed in full.
- ``circular_trade``: three suppliers sell to each other in a ring (A→B→C→A) every month,
  with complete, promptly paid documents: volume that exists only to look like turnover.
- ``duplicate_financing``: an invoice financed at the house bank is offered again to a second
  bank a few days later.
- ``reversal_after_financing``: an invoice is financed, then most of it is reversed.
- ``volume_inflation``: order volume quadruples for two and a half months before a large
  financing application, then the firm weakens.

Fraudsters are drawn with lower latent quality: fraud and default go together, but the labels
are separate.
"""

from __future__ import annotations

PATTERNS = (
    "invoice_without_shipment",
    "circular_trade",
    "duplicate_financing",
    "reversal_after_financing",
    "volume_inflation",
)


def plan(sim) -> None:
    smes = [f for f in sim.firms.values() if f.role == "sme"]
    count = max(len(PATTERNS), len(smes) * 6 // 100)
    chosen = sim.rng.sample(smes, min(len(smes), count + 2))
    position = 0
    for index in range(count):
        pattern = PATTERNS[index % len(PATTERNS)]
        group = 3 if pattern == "circular_trade" else 1
        members = chosen[position : position + group]
        if len(members) < group:
            break
        position += group
        day = sim.rng.randint(90, max(91, sim.days - 240))
        for firm in members:
            firm.fraud.append(pattern)
            firm.health -= 0.5
            firm.drift -= 0.02
        sim.at(day, STARTERS[pattern], sim, [f.party_id for f in members])


def _accomplice(sim, party: str) -> str | None:
    firm = sim.firm(party)
    buyers = [b for b in firm.buyers if sim.firm(b).role == "sme" and sim.live(b)]
    others = [f.party_id for f in sim.firms.values() if f.role == "sme" and f.party_id != party]
    pool = buyers or [p for p in others if sim.live(p)]
    return sim.rng.choice(sorted(pool)) if pool else None


def invoice_without_shipment(sim, members: list[str], rounds: int = 2) -> None:
    (fraudster,) = members
    buyer = _accomplice(sim, fraudster)
    if buyer is None or not sim.live(fraudster):
        return
    sim.fraud_log.append((fraudster, "invoice_without_shipment", sim.day))
    trade = sim.start_trade(fraudster, buyer, scale=2.0, ship=False)
    invoice = sim.issue_invoice(fraudster, buyer, trade.lines, trade.trade_id)
    sim.confirm(invoice, pay=False)
    sim.apply(fraudster, sim.firm(fraudster).bank, {invoice.number: invoice.outstanding})
    sim.at(sim.day + 45, sim.reverse, invoice, 1.0)
    if rounds > 1:
        sim.at(sim.day + 30, invoice_without_shipment, sim, members, rounds - 1)


def circular_trade(sim, members: list[str], rounds: int = 4) -> None:
    if not sim.live(*members):
        return
    for party in members:
        sim.fraud_log.append((party, "circular_trade", sim.day))
    for seller, buyer in zip(members, members[1:] + members[:1], strict=True):
        trade = sim.start_trade(seller, buyer, scale=3.0)
        trade.on_time = True
    if rounds > 1:
        sim.at(sim.day + 30, circular_trade, sim, members, rounds - 1)


def duplicate_financing(sim, members: list[str], tries: int = 6) -> None:
    (fraudster,) = members
    if not sim.live(fraudster):
        return
    financing = sim.finance(fraudster, limit=1)
    if financing is None:
        if tries > 1:
            sim.at(sim.day + 20, duplicate_financing, sim, members, tries - 1)
        return
    sim.at(sim.day + 5, _second_bank, sim, fraudster, financing)


def _second_bank(sim, fraudster: str, financing) -> None:
    banks = sorted(f.party_id for f in sim.firms.values() if f.role == "bank")
    other = [bank for bank in banks if bank != financing.bank]
    if not other or not sim.live(fraudster):
        return
    sim.fraud_log.append((fraudster, "duplicate_financing", sim.day))
    sim.apply(fraudster, sim.rng.choice(other), dict(financing.pledges))


def reversal_after_financing(sim, members: list[str], tries: int = 6) -> None:
    (fraudster,) = members
    if not sim.live(fraudster):
        return
    financing = sim.finance(fraudster, limit=1)
    if financing is None:
        if tries > 1:
            sim.at(sim.day + 20, reversal_after_financing, sim, members, tries - 1)
        return
    (number,) = financing.pledges
    sim.at(sim.day + 10, _reverse_financed, sim, fraudster, number)


def _reverse_financed(sim, fraudster: str, number: str) -> None:
    invoice = sim.invoices[number]
    before = invoice.reversed_amount
    sim.reverse(invoice, 0.6)
    if invoice.reversed_amount > before:
        sim.fraud_log.append((fraudster, "reversal_after_financing", sim.day))


def volume_inflation(sim, members: list[str]) -> None:
    (fraudster,) = members
    if not sim.live(fraudster):
        return
    sim.fraud_log.append((fraudster, "volume_inflation", sim.day))
    sim.pace[fraudster] = 4.0
    for buyer in sim.firm(fraudster).buyers:
        sim.at(sim.day + 1, _burst, sim, fraudster, buyer)
    sim.at(sim.day + 75, _bust_out, sim, fraudster)


def _burst(sim, fraudster: str, buyer: str) -> None:
    """Extra orders while the inflation lasts, on top of the relationship's usual rhythm."""
    if sim.pace[fraudster] > 1.0 and sim.live(fraudster, buyer):
        sim.start_trade(fraudster, buyer, scale=1.5)
        sim.at(sim.day + sim.rng.randint(4, 10), _burst, sim, fraudster, buyer)


def _bust_out(sim, fraudster: str) -> None:
    sim.pace[fraudster] = 1.0
    sim.finance(fraudster, limit=6)
    sim.firm(fraudster).health -= 1.0
    sim.firm(fraudster).drift -= 0.05


STARTERS = {
    "invoice_without_shipment": invoice_without_shipment,
    "circular_trade": circular_trade,
    "duplicate_financing": duplicate_financing,
    "reversal_after_financing": reversal_after_financing,
    "volume_inflation": volume_inflation,
}
