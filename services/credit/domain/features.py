"""Credit features of one party at one moment, each with the ledger entries behind it.

``features_at(book, party, as_of, network)`` reads only the book (entries up to the
checkpoint) and the moment ``as_of`` (the ledger time of the checkpoint's last entry), so the
same checkpoint always gives the same values. Every ``Feature`` carries the entry ids that
made it what it is, ordered most telling first: late payments for lateness, reversals for
dilution, unmatched invoices for three-flow consistency; a reason cites them.

Definitions (docs/sources.md; amounts are fen, shares 0..1):

- Payment behaviour, as buyer, over obligations due in the twelve months to ``as_of``, and
  any still open (confirmed invoices with agreed terms): ``ontime_rate`` (count share paid
  in full by the due date), ``dbt_wavg`` (amount-weighted days beyond terms; open items
  count to ``as_of``), ``dbt_recent`` (the same over obligations due in the last 90 days),
  ``late_30_count``; ``dishonour_count`` (bills the party accepted and dishonoured).
- Receivables, as seller: ``dilution_rate`` (reversed ÷ invoiced amount, Basel's dilution),
  ``three_flow_match_rate`` (share of invoiced amount whose trade has a signed contract and
  goods received covering it, confirmed by the buyer), ``invoices_without_shipment``.
- Scale and continuity: ``verified_turnover_fen`` (matched sales of the last year, circular
  volume excluded),
  ``log_turnover``, ``turnover_growth`` (last 90 days ÷ the 90 before, capped at 5),
  ``n_buyers`` (verified, last year), ``tenure_days`` (since admission).
- Concentration and network: ``buyer_hhi``, ``core_share``, ``circular_share`` (sales to
  buyers that sell back to the party directly or through one other firm), ``trust`` (see
  ``network``), ``distressed_buyer_share`` (sales to buyers with a dishonour or an item more
  than 60 days overdue: contagion).
- Financing: ``leverage`` (financed outstanding + discounted bills not yet due, ÷ verified
  turnover of the last year), ``duplicate_financing_attempts``, ``reversals_after_financing``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.credit.domain.book import CreditBook
from services.credit.domain.facts import InvoiceFacts, china_day

FEATURE_VERSION = "credit-features/1"
MATCH_GRACE = timedelta(days=7)
RECENT_DAYS = 90  # goods may follow the invoice by a few days
MAX_EVIDENCE = 25


@dataclass(frozen=True)
class Feature:
    value: float | int | None
    entries: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"value": self.value, "entries": list(self.entries)}


def _f(value, entries=()) -> Feature:
    return Feature(value, tuple(dict.fromkeys(entries))[:MAX_EVIDENCE])


class Snapshot:
    """The book at ``as_of`` with the network computed once for every party."""

    def __init__(self, book: CreditBook, as_of: datetime, trust: dict, graph):
        self.book, self.as_of, self.trust, self.graph = book, as_of, trust, graph
        self.today = china_day(as_of)
        self._distressed: dict[str, list[str]] = {}
        self._sellers_to: dict[str, set[str]] | None = None

    def distress(self, party: str) -> list[str]:
        """Entries showing ``party`` in distress (dishonours, items > 60 days overdue)."""
        if party not in self._distressed:
            facts = self.book.parties.get(party)
            evidence = [e for _, _, entries in (facts.dishonours if facts else []) for e in entries]
            for invoice in purchases_of(self.book, party):
                if invoice.outstanding > 0 and invoice.due and (self.today - invoice.due).days > 60:
                    evidence.append(invoice.terms_entry)
            self._distressed[party] = evidence
        return self._distressed[party]

    def sells_to(self) -> dict[str, set[str]]:
        if self._sellers_to is None:
            graph: dict[str, set[str]] = {}
            for invoice in self.book.invoices.values():
                if invoice.buyer:
                    graph.setdefault(invoice.seller, set()).add(invoice.buyer)
            self._sellers_to = graph
        return self._sellers_to


def purchases_of(book: CreditBook, party: str) -> list[InvoiceFacts]:
    facts = book.parties.get(party)
    return [book.invoices[n] for n in facts.purchases] if facts else []


def sales_of(book: CreditBook, party: str) -> list[InvoiceFacts]:
    facts = book.parties.get(party)
    return [book.invoices[n] for n in facts.sales] if facts else []


def features_at(snapshot: Snapshot, party: str) -> dict[str, Feature]:
    book = snapshot.book
    facts = book.parties[party]
    features: dict[str, Feature] = {}
    features.update(payment_behaviour(snapshot, party))
    features.update(receivables(snapshot, party))
    features.update(scale_and_network(snapshot, party))
    features.update(financing(snapshot, party))
    tenure = max(0, (snapshot.as_of - facts.admitted_at).days)
    features["tenure_days"] = _f(tenure, [facts.admit_entry])
    features["dishonour_count"] = _f(
        len(facts.dishonours), [e for _, _, entries in facts.dishonours for e in entries]
    )
    return features


# -- payment behaviour ------------------------------------------------------------------------


def _days_late(invoice: InvoiceFacts, today: date) -> int | None:
    """Days beyond terms of a due obligation; ``None`` when not due or nothing was owed."""
    if invoice.due is None or invoice.due > today or invoice.total <= invoice.reversed_amount:
        return None
    if invoice.outstanding <= 0 and invoice.settled_at is not None:
        return max(0, (china_day(invoice.settled_at) - invoice.due).days)
    if invoice.outstanding <= 0:
        return None  # reversed in full: nothing was owed
    return max(0, (today - invoice.due).days)


def payment_behaviour(snapshot: Snapshot, party: str) -> dict[str, Feature]:
    due = []
    for invoice in purchases_of(snapshot.book, party):
        if invoice.due and (snapshot.today - invoice.due).days > 365 and invoice.outstanding <= 0:
            continue  # settled more than a year ago: the window is the last twelve months
        late = _days_late(invoice, snapshot.today)
        if late is not None:
            due.append((late, invoice))
    if not due:
        return {
            "ontime_rate": _f(None),
            "dbt_wavg": _f(None),
            "dbt_recent": _f(None),
            "late_30_count": _f(0),
        }
    late_items = sorted((item for item in due if item[0] > 0), key=lambda item: -item[0])
    evidence = [e for _, invoice in late_items for e in _payment_entries(invoice)]
    weight = sum(invoice.total for _, invoice in due)
    dbt = sum(late * invoice.total for late, invoice in due) / weight
    ontime = 1 - len(late_items) / len(due)
    all_entries = [e for _, invoice in due for e in _payment_entries(invoice)]
    over_30 = [e for late, inv in late_items if late > 30 for e in _payment_entries(inv)]
    recent = [(late, i) for late, i in due if (snapshot.today - i.due).days <= RECENT_DAYS]
    recent_weight = sum(invoice.total for _, invoice in recent)
    recent_dbt = sum(late * i.total for late, i in recent) / recent_weight if recent else None
    recent_late = [e for late, i in sorted(recent, key=lambda item: -item[0]) if late > 0
                   for e in _payment_entries(i)]  # fmt: skip
    return {
        "dbt_recent": _f(
            None if recent_dbt is None else round(recent_dbt, 4),
            recent_late or [e for _, i in recent for e in _payment_entries(i)],
        ),
        "ontime_rate": _f(round(ontime, 6), evidence or all_entries),
        "dbt_wavg": _f(round(dbt, 4), evidence or all_entries),
        "late_30_count": _f(sum(1 for late, _ in late_items if late > 30), over_30),
    }


def _payment_entries(invoice: InvoiceFacts) -> list[str]:
    return [invoice.terms_entry, *(entry for _, _, entry in invoice.payments)]


# -- receivables ------------------------------------------------------------------------------


def matched(snapshot: Snapshot, invoice: InvoiceFacts) -> bool:
    trade = snapshot.book.trades.get(invoice.trade_id or "")
    if trade is None or not trade.signed or not invoice.confirmed or trade.seller != invoice.seller:
        return False
    invoiced = sum(snapshot.book.invoices[n].net_amount for n in trade.invoices)
    return trade.received >= invoiced and invoiced <= trade.value


def receivables(snapshot: Snapshot, party: str) -> dict[str, Feature]:
    sales = [i for i in sales_of(snapshot.book, party) if i.issued_at <= snapshot.as_of]
    if not sales:
        return {
            "dilution_rate": _f(None),
            "three_flow_match_rate": _f(None),
            "invoices_without_shipment": _f(0),
        }
    issued = sum(i.amount for i in sales)
    reversed_amount = sum(i.reversed_amount for i in sales)
    reversal_entries = [e for i in sales for e in i.reversal_entries]
    settled = [i for i in sales if snapshot.as_of - i.issued_at >= MATCH_GRACE and i.net_amount]
    unmatched = [i for i in settled if not matched(snapshot, i)]
    matched_rate = None
    if settled:
        total = sum(i.net_amount for i in settled)
        matched_rate = 1 - sum(i.net_amount for i in unmatched) / total
    orphans = [i for i in settled if not _shipped(snapshot, i)]
    return {
        "dilution_rate": _f(
            round(reversed_amount / issued, 6) if issued else 0.0, reversal_entries
        ),
        "three_flow_match_rate": _f(
            None if matched_rate is None else round(matched_rate, 6),
            [i.issue_entry for i in unmatched] or [i.issue_entry for i in settled],
        ),
        "invoices_without_shipment": _f(len(orphans), [i.issue_entry for i in orphans]),
    }


def _shipped(snapshot: Snapshot, invoice: InvoiceFacts) -> bool:
    trade = snapshot.book.trades.get(invoice.trade_id or "")
    return trade is not None and trade.shipped > 0


# -- scale, concentration, network ------------------------------------------------------------


def circular_buyers(snapshot: Snapshot, party: str) -> set[str]:
    """The party's buyers that sell back to it, directly or through one more party."""
    graph = snapshot.sells_to()
    looped = set()
    for buyer in graph.get(party, ()):
        onward = graph.get(buyer, set())
        if party in onward or any(party in graph.get(third, ()) for third in onward):
            looped.add(buyer)
    return looped


def scale_and_network(snapshot: Snapshot, party: str) -> dict[str, Feature]:
    book = snapshot.book
    sales = [i for i in sales_of(book, party) if i.net_amount > 0 and i.buyer]
    looped = circular_buyers(snapshot, party)
    year_ago = snapshot.as_of - timedelta(days=365)
    verified = [
        i
        for i in sales
        if i.issued_at > year_ago and i.buyer not in looped and matched(snapshot, i)
    ]
    turnover = sum(i.net_amount for i in verified)
    by_buyer: dict[str, int] = {}
    for invoice in sales:
        by_buyer[invoice.buyer] = by_buyer.get(invoice.buyer, 0) + invoice.net_amount
    total = sum(by_buyer.values())
    to_cores = [i for i in sales if i.buyer in book.cores]
    circular = [i for i in sales if i.buyer in looped]
    largest = sorted(verified, key=lambda i: -i.net_amount)
    return {
        "verified_turnover_fen": _f(turnover, [i.issue_entry for i in largest]),
        "log_turnover": _f(
            round(math.log10(1 + turnover / 100), 6), [i.issue_entry for i in largest]
        ),
        "turnover_growth": _growth(snapshot, verified),
        "n_buyers": _f(len({i.buyer for i in verified}), [i.issue_entry for i in largest]),
        "buyer_hhi": _f(
            round(sum((v / total) ** 2 for v in by_buyer.values()), 6) if total else None,
            [i.issue_entry for i in sorted(sales, key=lambda i: -i.net_amount)],
        ),
        "core_share": _f(
            round(sum(i.net_amount for i in to_cores) / total, 6) if total else 0.0,
            [i.issue_entry for i in to_cores],
        ),
        "circular_share": _f(
            round(sum(i.net_amount for i in circular) / total, 6) if total else 0.0,
            [i.issue_entry for i in circular],
        ),
        "trust": _trust(snapshot, party),
        "distressed_buyer_share": _distressed_buyers(snapshot, sales, total),
    }


def _growth(snapshot: Snapshot, verified: list[InvoiceFacts]) -> Feature:
    recent_from = snapshot.as_of - timedelta(days=90)
    prior_from = snapshot.as_of - timedelta(days=180)
    recent = [i for i in verified if i.issued_at > recent_from]
    prior = [i for i in verified if prior_from < i.issued_at <= recent_from]
    recent_sum, prior_sum = sum(i.net_amount for i in recent), sum(i.net_amount for i in prior)
    if not prior_sum:
        return _f(5.0 if recent_sum else None, [i.issue_entry for i in recent])
    return _f(round(min(5.0, recent_sum / prior_sum), 6), [i.issue_entry for i in recent])


def _trust(snapshot: Snapshot, party: str) -> Feature:
    paid_in = sorted(snapshot.graph.evidence.get(party, []), key=lambda pair: -pair[0])
    return _f(round(snapshot.trust.get(party, 0.0), 6), [entry for _, entry in paid_in])


def _distressed_buyers(snapshot: Snapshot, sales, total: int) -> Feature:
    since = snapshot.as_of - timedelta(days=365)
    recent = [i for i in sales if i.issued_at > since]
    recent_total = sum(i.net_amount for i in recent)
    hit = [i for i in recent if snapshot.distress(i.buyer)]
    if not recent_total:
        return _f(0.0)
    evidence = [i.issue_entry for i in hit] + [
        e for b in {i.buyer for i in hit} for e in snapshot.distress(b)
    ]
    return _f(round(sum(i.net_amount for i in hit) / recent_total, 6), evidence)


# -- financing ---------------------------------------------------------------------------------


def financing(snapshot: Snapshot, party: str) -> dict[str, Feature]:
    book, facts = snapshot.book, snapshot.book.parties[party]
    year_ago = snapshot.as_of - timedelta(days=365)
    yearly = sum(
        i.net_amount
        for i in sales_of(book, party)
        if i.issued_at > year_ago and matched(snapshot, i)
    )
    loans = [book.financings[f] for f in facts.financings]
    drawn = [f for f in loans if f.status == "disbursed" and f.repaid < f.amount]
    discounted = [d for d in facts.discounts if d[2] > snapshot.today]
    owed = sum(f.amount - f.repaid for f in drawn) + sum(d[1] for d in discounted)
    entries = [f.disburse_entry for f in drawn] + [e for d in discounted for e in d[3]]
    return {
        "leverage": _f(round(min(10.0, owed / max(yearly, 100)), 6), entries),
        "duplicate_financing_attempts": _f(
            len(facts.duplicate_attempts), [e for group in facts.duplicate_attempts for e in group]
        ),
        "reversals_after_financing": _f(
            len(facts.reversals_after_financing),
            [e for group in facts.reversals_after_financing for e in group],
        ),
        "pledged_without_shipment": _f(*_pledged_orphans(snapshot, loans)),
    }


def _pledged_orphans(snapshot: Snapshot, loans) -> tuple[int, list[str]]:
    orphans = []
    for loan in loans:
        for number in loan.pledges:
            invoice = snapshot.book.invoices.get(number)
            if invoice is not None and not _shipped(snapshot, invoice):
                orphans += [invoice.issue_entry, loan.apply_entry]
    return len(orphans) // 2, orphans


def take_snapshot(book: CreditBook, as_of: datetime | None = None) -> Snapshot:
    """The book at ``as_of`` (default: its last entry's ledger time), network included."""
    from services.credit.domain.network import trust_index

    trust, graph = trust_index(book)
    return Snapshot(book, as_of or book.last_time, trust, graph)
