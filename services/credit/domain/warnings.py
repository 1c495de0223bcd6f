"""Early warning (pure): which parties new entries concern, what counts as sharp
deterioration between a party's last score and its new one, and the alert the service
dispatches then (``CreditAlertRaised``; ``EVENT_TYPES`` lists the service's events).

A ``credit_alert_raised`` is due when, at a later tree size, the party

- is newly knocked out (``knockout``: a dishonour, a duplicate financing attempt …), or
- lost ``drop_points`` or more (default 40 points = one PDO: the odds of default doubled),
  or fell two grades or more (``score_drop``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

from services.common.projection.entry import LedgerEntry
from services.credit.domain.book import CreditBook
from services.credit.domain.scorecard import KNOCKOUT_GRADE, MASTER_SCALE

GRADES = [grade for _, grade in MASTER_SCALE] + [KNOCKOUT_GRADE]
NAMED_PARTIES = ("seller", "buyer", "payee", "acceptor", "endorsee", "anchor", "bank")


@dataclass(frozen=True)
class CreditAlertRaised:
    """The ``credit_alert_raised`` event's payload (docs/asyncapi.yaml): ``previous`` and
    ``current`` are ``{score, grade, pd, tree_size}`` (``previous`` None when the party's first
    score knocks it out), ``reasons`` the assessment's, ``entries`` the new entries concerning
    the party. Not a ledger-entry event: no ``name`` or ``entry_id`` stamp."""

    name: ClassVar[str] = "credit_alert_raised"
    party: str
    kind: str  # "knockout" or "score_drop"
    tree_size: int
    as_of: str
    previous: dict | None
    current: dict
    drop: int
    knockouts: list[str]
    reasons: list[dict]
    entries: list[str]
    model_version: str

    def to_dict(self) -> dict:
        return {field.name: getattr(self, field.name) for field in fields(self)}


EVENT_TYPES = {CreditAlertRaised.name: CreditAlertRaised}  # what the credit service dispatches


def touched_parties(book: CreditBook, entries: list[LedgerEntry]) -> dict[str, list[str]]:
    """Enterprises whose features the entries may change → the entry ids concerning each."""
    touched: dict[str, list[str]] = {}
    for entry in entries:
        for party in _concerned(book, entry):
            facts = book.parties.get(party)
            if facts is not None and facts.kind == "enterprise":
                touched.setdefault(party, []).append(entry.entry_id)
    return touched


def _concerned(book: CreditBook, entry: LedgerEntry) -> set[str]:
    body = entry.body if isinstance(entry.body, dict) else {}
    parties = {entry.signer}
    parties.update(body[key] for key in NAMED_PARTIES if isinstance(body.get(key), str))
    kind, key = entry.kind, entry.key
    if kind in ("invoice", "payment") and key in book.invoices:
        invoice = book.invoices[key]
        parties.update({invoice.seller, invoice.buyer})
    elif kind == "trade" and key in book.trades:
        parties.update({book.trades[key].seller, book.trades[key].buyer})
    elif kind == "bill" and key in book.bills:
        bill = book.bills[key]
        parties.update({bill.acceptor, *(holder for _, holder in bill.ranges.values())})
        if entry.type == "bill.dishonour":  # contagion reaches its suppliers
            parties.update(_suppliers(book, bill.acceptor))
    elif kind == "financing" and key in book.financings:
        parties.add(book.financings[key].sme)
    elif kind == "party":
        parties.add(key)
    return {party for party in parties if isinstance(party, str)}


def _suppliers(book: CreditBook, party: str) -> set[str]:
    facts = book.parties.get(party)
    return {book.invoices[n].seller for n in facts.purchases} if facts else set()


def warning(previous: dict | None, current: dict, drop_points: int = 40) -> str | None:
    """The alert kind due between two score records (``{score, grade, tree_size}``)."""
    if current["grade"] == KNOCKOUT_GRADE:
        if previous is None or previous["grade"] != KNOCKOUT_GRADE:
            return "knockout"
        return None
    if previous is None or previous["grade"] == KNOCKOUT_GRADE:
        return None
    fell = GRADES.index(current["grade"]) - GRADES.index(previous["grade"])
    if previous["score"] - current["score"] >= drop_points or fell >= 2:
        return "score_drop"
    return None
