"""How each entry type changes the credit book (``HANDLERS``: type → function).

The book records facts, it does not judge them: the domains (bills, invoices) decided whether
an act was allowed; here only what the act means for credit is kept, with its entry id.
Handlers ignore acts that refer to nothing they know (the body names an unknown invoice, a
signer who is not the party the act belongs to), so entries appended around the services
cannot forge a party's history.
"""

from __future__ import annotations

from datetime import date

from services.common.projection.entry import LedgerEntry
from services.credit.domain.facts import (
    BillFacts,
    Facts,
    FinancingFacts,
    InvoiceFacts,
    PartyFacts,
    TradeFacts,
)


def admit(book: Facts, entry: LedgerEntry) -> None:
    body = entry.body
    party = PartyFacts(
        body["party_id"], body["kind"], body.get("credit_code"), entry.at, entry.entry_id
    )
    book.parties[party.party_id] = party
    if party.credit_code:
        book.by_code[party.credit_code] = party.party_id


def open_programme(book: Facts, entry: LedgerEntry) -> None:
    anchor = entry.body["anchor"]
    if book.parties.get(entry.signer) is None or book.parties[entry.signer].kind != "bank":
        return
    limit, _ = book.cores.get(anchor, (0, None))
    book.cores[anchor] = (limit + int(entry.body["limit_fen"]), entry.entry_id)


# -- trade documents --------------------------------------------------------------------------


def propose_contract(book: Facts, entry: LedgerEntry) -> None:
    body = entry.body
    if body["trade_id"] in book.trades or entry.signer not in (body["seller"], body["buyer"]):
        return
    prices = {line["item"]: int(line["unit_price_fen"]) for line in body["lines"]}
    trade = TradeFacts(body["trade_id"], body["seller"], body["buyer"], prices, 0, [])
    trade.value = trade.value_of(body["lines"])
    trade.entries.append(entry.entry_id)
    book.trades[trade.trade_id] = trade


def sign_contract(book: Facts, entry: LedgerEntry) -> None:
    trade = book.trades[entry.body["trade_id"]]
    if entry.signer in (trade.seller, trade.buyer):
        trade.signed = True
        trade.entries.append(entry.entry_id)


def dispatch(book: Facts, entry: LedgerEntry) -> None:
    trade = book.trades[entry.body["trade_id"]]
    if entry.signer == trade.seller and trade.signed:
        trade.shipped += trade.value_of(entry.body["lines"])
        trade.entries.append(entry.entry_id)


def receive(book: Facts, entry: LedgerEntry) -> None:
    trade = book.trades[entry.body["trade_id"]]
    if entry.signer == trade.buyer and trade.shipped:
        trade.received += trade.value_of(entry.body["lines"])
        trade.entries.append(entry.entry_id)


# -- invoices ---------------------------------------------------------------------------------


def issue_invoice(book: Facts, entry: LedgerEntry) -> None:
    body = entry.body
    seller = book.parties.get(entry.signer)
    if body["number"] in book.invoices or seller is None:
        return
    if seller.credit_code != body["seller_credit_code"]:
        return
    buyer = book.by_code.get(body["buyer_credit_code"])
    invoice = InvoiceFacts(
        body["number"], entry.signer, buyer, int(body["amount_fen"]), int(body["tax_fen"]),
        body.get("trade_id"), entry.at, entry.entry_id,
    )  # fmt: skip
    book.invoices[invoice.number] = invoice
    seller.sales.append(invoice.number)
    if buyer in book.parties:
        book.parties[buyer].purchases.append(invoice.number)
    _link(book, invoice)


def _link(book: Facts, invoice: InvoiceFacts) -> None:
    trade = book.trades.get(invoice.trade_id or "")
    if trade is not None and invoice.number not in trade.invoices:
        trade.invoices.append(invoice.number)


def confirm_invoice(book: Facts, entry: LedgerEntry) -> None:
    invoice = book.invoices[entry.body["number"]]
    if entry.signer == invoice.buyer:
        invoice.confirmed = True


def link_trade(book: Facts, entry: LedgerEntry) -> None:
    invoice = book.invoices[entry.body["number"]]
    if entry.signer == invoice.seller and invoice.trade_id is None:
        invoice.trade_id = entry.body["trade_id"]
        _link(book, invoice)


def agree_terms(book: Facts, entry: LedgerEntry) -> None:
    invoice = book.invoices[entry.body["number"]]
    if entry.signer == invoice.buyer and invoice.due is None:
        invoice.due = date.fromisoformat(entry.body["due_date"])
        invoice.terms_entry = entry.entry_id


def request_reversal(book: Facts, entry: LedgerEntry) -> None:
    body = entry.body
    invoice = book.invoices[body["number"]]
    if entry.signer != invoice.seller:
        return
    request = (body["reversal_id"], int(body["amount_fen"]), int(body["tax_fen"]), entry.entry_id)
    if invoice.confirmed:
        invoice.pending_reversal = request
    else:
        _reverse(book, invoice, request, entry.entry_id)


def approve_reversal(book: Facts, entry: LedgerEntry) -> None:
    invoice = book.invoices[entry.body["number"]]
    pending = invoice.pending_reversal
    if entry.signer == invoice.buyer and pending and pending[0] == entry.body["reversal_id"]:
        _reverse(book, invoice, pending, entry.entry_id)


def drop_reversal(book: Facts, entry: LedgerEntry) -> None:
    invoice = book.invoices[entry.body["number"]]
    if invoice.pending_reversal and invoice.pending_reversal[0] == entry.body["reversal_id"]:
        invoice.pending_reversal = None


def _reverse(book: Facts, invoice: InvoiceFacts, request: tuple, entry_id: str) -> None:
    _, amount, tax, request_entry = request
    entries = sorted({request_entry, entry_id})
    if invoice.claimed > 0:
        book.parties[invoice.seller].reversals_after_financing.append(entries)
    invoice.reversed_amount += amount
    invoice.reversed_tax += tax
    invoice.reversal_entries.extend(entries)
    invoice.pending_reversal = None
    _fit_claims(invoice)


def _fit_claims(invoice: InvoiceFacts) -> None:
    excess = invoice.claimed - max(0, invoice.outstanding)
    for claim in reversed(list(invoice.claims.values())):
        cut = min(excess, claim[1])
        if cut > 0:
            claim[1] -= cut
            excess -= cut


def claim_financing(book: Facts, entry: LedgerEntry) -> None:
    invoice = book.invoices[entry.body["number"]]
    if book.parties.get(entry.signer) and book.parties[entry.signer].kind == "bank":
        claim = [entry.signer, int(entry.body["amount_fen"]), entry.entry_id]
        invoice.claims[entry.body["claim_id"]] = claim


def release_claim(book: Facts, entry: LedgerEntry) -> None:
    claim = book.invoices[entry.body["number"]].claims[entry.body["claim_id"]]
    if claim[0] == entry.signer:
        claim[1] -= min(claim[1], int(entry.body.get("amount_fen") or claim[1]))


def record_payment(book: Facts, entry: LedgerEntry) -> None:
    invoice = book.invoices[entry.body["number"]]
    amount = min(int(entry.body["amount_fen"]), max(0, invoice.outstanding))
    if amount <= 0:
        return
    claim = invoice.claims.get(entry.body.get("claim_id") or "")
    if claim is not None:
        claim[1] -= min(claim[1], amount)
    invoice.paid += amount
    invoice.payments.append((entry.at, amount, entry.entry_id))
    _fit_claims(invoice)
    if invoice.outstanding <= 0:
        invoice.settled_at = entry.at


# -- bills ------------------------------------------------------------------------------------


def issue_bill(book: Facts, entry: LedgerEntry) -> None:
    body = entry.body
    if body["package_no"] in book.bills:
        return
    amount = int(body["amount_fen"])
    bill = BillFacts(
        body["package_no"], entry.signer, body["acceptor"], amount,
        date.fromisoformat(body["maturity_date"]), {1: [amount, body["payee"]]},
    )  # fmt: skip
    book.bills[bill.package_no] = bill


def _bill(book: Facts, entry: LedgerEntry) -> BillFacts:
    return book.bills[entry.stream.split(":", 1)[1]]


def request_transfer(book: Facts, entry: LedgerEntry) -> None:
    """Endorsement and discount requests; the counterparty's ``bill.sign`` completes them."""
    bill, body = _bill(book, entry), entry.body
    counterparty = body.get("endorsee") or body.get("bank")
    start, end = int(body["start"]), int(body["end"])
    bill.pending[start] = (entry.type, entry.signer, counterparty, end, entry.entry_id)


def sign_transfer(book: Facts, entry: LedgerEntry) -> None:
    bill = _bill(book, entry)
    pending = bill.pending.pop(int(entry.body["start"]), None)
    if pending is None:
        return  # the answer to a request credit does not follow (guarantee, pledge)
    kind, requester, counterparty, end, request_entry = pending
    start = int(entry.body["start"])
    if entry.signer != counterparty:
        return
    _split(bill, start, end)
    bill.ranges[start] = [end, counterparty]
    if kind in ("bill.discount", "bill.rediscount") and requester in book.parties:
        entries = [request_entry, entry.entry_id]
        discount = (entry.at, end - start + 1, bill.maturity, entries)
        book.parties[requester].discounts.append(discount)


def _split(bill: BillFacts, start: int, end: int) -> None:
    for range_start, (range_end, holder) in list(bill.ranges.items()):
        if range_start <= start <= range_end:
            if range_start < start:
                bill.ranges[range_start] = [start - 1, holder]
            if end < range_end:
                bill.ranges[end + 1] = [range_end, holder]
            return


def drop_request(book: Facts, entry: LedgerEntry) -> None:
    _bill(book, entry).pending.pop(int(entry.body["start"]), None)


def present_payment(book: Facts, entry: LedgerEntry) -> None:
    _bill(book, entry).presented[int(entry.body["start"])] = entry.entry_id


def dishonour(book: Facts, entry: LedgerEntry) -> None:
    bill = _bill(book, entry)
    start = int(entry.body["start"])
    if entry.signer != bill.acceptor or start not in bill.presented:
        return
    end = bill.ranges[start][0]
    entries = [bill.presented.pop(start), entry.entry_id]
    book.parties[bill.acceptor].dishonours.append((entry.at, end - start + 1, entries))


# -- financing --------------------------------------------------------------------------------


def apply_for_financing(book: Facts, entry: LedgerEntry) -> None:
    body = entry.body
    sme = book.parties[entry.signer]
    pledges = {item["number"]: int(item["amount_fen"]) for item in body["invoices"]}
    financing = FinancingFacts(
        body["financing_id"], entry.signer, body["bank"], pledges, int(body["amount_fen"]),
        entry.entry_id,
    )  # fmt: skip
    duplicate = _duplicate_evidence(book, financing)
    if duplicate:
        sme.duplicate_attempts.append([entry.entry_id, *duplicate])
    book.financings[financing.financing_id] = financing
    sme.financings.append(financing.financing_id)
    for number in pledges:
        if number in book.invoices:
            book.invoices[number].pledged_in.append(financing.financing_id)


def _duplicate_evidence(book: Facts, financing: FinancingFacts) -> list[str]:
    """Entries showing a pledged invoice is already financed or pledged elsewhere, still open."""
    evidence = []
    for number, amount in financing.pledges.items():
        invoice = book.invoices.get(number)
        if invoice is None:
            continue
        if invoice.claimed and invoice.claimed + amount > invoice.outstanding:
            evidence += [claim[2] for claim in invoice.claims.values() if claim[1] > 0]
        for other in invoice.pledged_in:
            earlier = book.financings[other]
            if earlier.open and earlier.status != "declined":
                evidence.append(earlier.apply_entry)
    return sorted(set(evidence))


def _financing(book: Facts, entry: LedgerEntry) -> FinancingFacts | None:
    financing = book.financings[entry.body["financing_id"]]
    return financing if entry.signer == financing.bank else None


def approve(book: Facts, entry: LedgerEntry) -> None:
    if financing := _financing(book, entry):
        financing.status = "approved"


def decline(book: Facts, entry: LedgerEntry) -> None:
    if financing := _financing(book, entry):
        financing.status = "declined"


def disburse(book: Facts, entry: LedgerEntry) -> None:
    if financing := _financing(book, entry):
        financing.status = "disbursed"
        financing.disburse_entry = entry.entry_id


def repay(book: Facts, entry: LedgerEntry) -> None:
    if financing := _financing(book, entry):
        financing.repaid += int(entry.body["amount_fen"])


HANDLERS = {
    "party.admit": admit,
    "programme.open": open_programme,
    "trade.propose_contract": propose_contract,
    "trade.sign_contract": sign_contract,
    "trade.dispatch_shipment": dispatch,
    "trade.receive_goods": receive,
    "invoice.issue": issue_invoice,
    "invoice.confirm": confirm_invoice,
    "invoice.link_trade": link_trade,
    "payment.terms_agreed": agree_terms,
    "invoice.request_reversal": request_reversal,
    "invoice.approve_reversal": approve_reversal,
    "invoice.reject_reversal": drop_reversal,
    "invoice.withdraw_reversal": drop_reversal,
    "invoice.claim_financing": claim_financing,
    "invoice.release_claim": release_claim,
    "invoice.record_payment": record_payment,
    "invoice.record_bill_settlement": record_payment,
    "bill.issue": issue_bill,
    "bill.endorse": request_transfer,
    "bill.discount": request_transfer,
    "bill.rediscount": request_transfer,
    "bill.sign": sign_transfer,
    "bill.reject": drop_request,
    "bill.withdraw": drop_request,
    "bill.present_payment": present_payment,
    "bill.dishonour": dishonour,
    "financing.apply": apply_for_financing,
    "financing.approve": approve,
    "financing.decline": decline,
    "financing.disburse": disburse,
    "financing.record_repayment": repay,
}
