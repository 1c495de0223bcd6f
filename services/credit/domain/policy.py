"""Hard policy: knock-out rules and the recommended limit (integer fen, no float money).

Knock-outs are not points: any one of them grades the party ``KO``, floors its PD at 20 %
(the lowest band) and sets the limit to zero; each is a reason with its ledger entries.

- ``KO_DISHONOUR``: the party dishonoured a bill it accepted (拒付).
- ``KO_DUPLICATE_FINANCING``: it offered an invoice already financed or pledged elsewhere.
- ``KO_THREE_FLOW_MISMATCH``: an invoice it pledged has no shipment, or two of its invoices
  are a week old without any goods shipped.
- ``KO_REVERSAL_AFTER_FINANCING``: it reversed an invoice a bank held a claim on.
- ``KO_CIRCULAR_TRADE``: a fifth or more of its sales go to buyers that sell back to it.

Recommended limit = min of (docs/sources.md):

1. borrowing base: eligible receivables × 80 % − dilution reserve (eligible × observed
   dilution rate × 2), eligible = confirmed, three-flow-matched, unpaid, not yet claimed by a
   bank, not more than 30 days overdue, and not on a buyer that sells back to the party;
2. turnover multiple: average monthly verified turnover of the last year (``verified_turnover_fen``:
   circular sales left out) × months by grade;
3. expected-loss budget: the L with PD × LGD × L = 1 % of the last year's verified turnover.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.credit.domain.features import Feature, Snapshot, circular_buyers, matched, sales_of

ADVANCE_RATE_PCT = 80
DILUTION_STRESS = 2
LGD_PCT = 45
EL_BUDGET_BP = 100  # of yearly verified turnover
MONTHS_BY_GRADE = {"AAA": 4, "AA": 4, "A": 3, "BBB": 3, "BB": 2, "B": 1, "CCC": 0, "CC": 0}
PD_PPM = 1_000_000


@dataclass(frozen=True)
class Knockout:
    code: str
    text: str
    entries: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"code": self.code, "text": self.text, "entries": list(self.entries)}


def knockouts(features: dict[str, Feature]) -> list[Knockout]:
    found = []

    def rule(code: str, feature: str, hit: bool, text: str) -> None:
        if hit:
            found.append(Knockout(code, text, features[feature].entries))

    value = {name: feature.value for name, feature in features.items()}
    rule("KO_DISHONOUR", "dishonour_count", value["dishonour_count"] > 0,
         "dishonoured a bill it had accepted")  # fmt: skip
    rule("KO_DUPLICATE_FINANCING", "duplicate_financing_attempts",
         value["duplicate_financing_attempts"] > 0,
         "offered an invoice already financed or pledged to another application")  # fmt: skip
    orphans = value["pledged_without_shipment"] > 0
    rule("KO_THREE_FLOW_MISMATCH", "pledged_without_shipment", orphans,
         "pledged an invoice for financing with no goods ever shipped")  # fmt: skip
    rule("KO_THREE_FLOW_MISMATCH", "invoices_without_shipment",
         not orphans and value["invoices_without_shipment"] >= 2,
         "invoices a week old with no goods shipped")  # fmt: skip
    rule("KO_REVERSAL_AFTER_FINANCING", "reversals_after_financing",
         value["reversals_after_financing"] > 0,
         "reversed an invoice a bank had financed")  # fmt: skip
    rule("KO_CIRCULAR_TRADE", "circular_share", value["circular_share"] >= 0.2,
         "a fifth or more of its sales loop back to it through its buyers")  # fmt: skip
    return found


@dataclass(frozen=True)
class Limit:
    limit_fen: int
    borrowing_base_fen: int
    turnover_multiple_fen: int
    el_budget_fen: int
    binding: str
    entries: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "limit_fen": self.limit_fen,
            "borrowing_base_fen": self.borrowing_base_fen,
            "turnover_multiple_fen": self.turnover_multiple_fen,
            "el_budget_fen": self.el_budget_fen,
            "binding": self.binding,
            "entries": list(self.entries),
        }


def recommended_limit(snapshot: Snapshot, party: str, features, pd_ppm: int, grade: str) -> Limit:
    eligible, entries = eligible_receivables(snapshot, party)
    dilution_ppm = int(round((features["dilution_rate"].value or 0.0) * PD_PPM))
    advance = eligible * ADVANCE_RATE_PCT // 100
    reserve = eligible * dilution_ppm * DILUTION_STRESS // PD_PPM
    base = max(0, advance - reserve)
    yearly = features["verified_turnover_fen"].value  # matched sales of the year, not circular
    multiple = yearly * MONTHS_BY_GRADE.get(grade, 0) // 12
    budget = yearly * EL_BUDGET_BP // 10_000
    el_limit = budget * PD_PPM * 100 // (max(pd_ppm, 1) * LGD_PCT)
    candidates = {"borrowing_base": base, "turnover_multiple": multiple, "el_budget": el_limit}
    binding = min(candidates, key=lambda name: (candidates[name], name))
    if grade == "KO":
        return Limit(0, base, multiple, el_limit, "knockout", tuple(entries))
    return Limit(candidates[binding], base, multiple, el_limit, binding, tuple(entries))


def eligible_receivables(snapshot: Snapshot, party: str) -> tuple[int, list[str]]:
    total, entries = 0, []
    looped = circular_buyers(snapshot, party)  # a receivable on a buyer that sells back is not
    for invoice in sales_of(snapshot.book, party):
        overdue = invoice.due is not None and (snapshot.today - invoice.due).days > 30
        headroom = invoice.outstanding - invoice.claimed
        eligible = headroom > 0 and not overdue and invoice.buyer not in looped
        if eligible and matched(snapshot, invoice):
            total += headroom
            entries.append(invoice.issue_entry)
    return total, entries[:25]
