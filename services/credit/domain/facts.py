"""The facts the credit book keeps per party, trade, invoice, bill and financing, each with the
ledger entries that said so, and the book's state that holds them (``Facts``).

Pure: the book (``book``) folds entries into these facts through the rules of ``book_rules``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))


def china_day(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def quantity_micro(text) -> int:
    """A decimal quantity string (≤ 6 places) as millionths; 0 when it is not one."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text * 10**6
    whole, _, fraction = str(text).partition(".")
    if not whole.isdigit() or (fraction and not fraction.isdigit()) or len(fraction) > 6:
        return 0
    return int(whole) * 10**6 + int(fraction.ljust(6, "0") or 0)


@dataclass
class PartyFacts:
    party_id: str
    kind: str
    credit_code: str | None
    admitted_at: datetime
    admit_entry: str
    sales: list[str] = field(default_factory=list)  # invoice numbers, as seller
    purchases: list[str] = field(default_factory=list)  # as buyer
    dishonours: list[tuple[datetime, int, list[str]]] = field(default_factory=list)
    duplicate_attempts: list[list[str]] = field(default_factory=list)
    reversals_after_financing: list[list[str]] = field(default_factory=list)
    discounts: list[tuple[datetime, int, date, list[str]]] = field(default_factory=list)
    financings: list[str] = field(default_factory=list)


@dataclass
class TradeFacts:
    trade_id: str
    seller: str
    buyer: str
    prices: dict[str, int]
    value: int
    entries: list[str]
    signed: bool = False
    shipped: int = 0
    received: int = 0
    invoices: list[str] = field(default_factory=list)

    def value_of(self, lines) -> int:
        total = 0
        for line in lines:
            price = self.prices.get(line.get("item"), 0)
            total += (2 * quantity_micro(line.get("quantity")) * price + 10**6) // (2 * 10**6)
        return total


@dataclass
class InvoiceFacts:
    number: str
    seller: str
    buyer: str | None
    amount: int
    tax: int
    trade_id: str | None
    issued_at: datetime
    issue_entry: str
    confirmed: bool = False
    due: date | None = None
    terms_entry: str | None = None
    reversed_amount: int = 0
    reversed_tax: int = 0
    reversal_entries: list[str] = field(default_factory=list)
    pending_reversal: tuple | None = None
    paid: int = 0
    payments: list[tuple[datetime, int, str]] = field(default_factory=list)
    settled_at: datetime | None = None
    claims: dict[str, list] = field(default_factory=dict)  # claim_id -> [bank, amount, entry]
    pledged_in: list[str] = field(default_factory=list)  # financing ids

    @property
    def total(self) -> int:
        return self.amount + self.tax

    @property
    def net_amount(self) -> int:
        return self.amount - self.reversed_amount

    @property
    def outstanding(self) -> int:
        return self.total - self.reversed_amount - self.reversed_tax - self.paid

    @property
    def claimed(self) -> int:
        return sum(claim[1] for claim in self.claims.values())


@dataclass
class BillFacts:
    package_no: str
    drawer: str
    acceptor: str
    amount: int
    maturity: date
    ranges: dict[int, list]  # start -> [end, holder]
    pending: dict[int, tuple] = field(default_factory=dict)
    presented: dict[int, str] = field(default_factory=dict)  # start -> presentment entry


@dataclass
class FinancingFacts:
    financing_id: str
    sme: str
    bank: str
    pledges: dict[str, int]
    amount: int
    apply_entry: str
    status: str = "applied"
    disburse_entry: str | None = None
    repaid: int = 0

    @property
    def open(self) -> bool:
        return self.status in ("applied", "approved") or (
            self.status == "disbursed" and self.repaid < self.amount
        )


class Facts:
    """What the book knows, by key: parties (and by credit code), core enterprises'
    programmes, trades, invoices, bills and financings."""

    def __init__(self):
        self.parties: dict[str, PartyFacts] = {}
        self.by_code: dict[str, str] = {}
        self.cores: dict[str, tuple[int, str]] = {}  # anchor -> (programme limits, entry)
        self.trades: dict[str, TradeFacts] = {}
        self.invoices: dict[str, InvoiceFacts] = {}
        self.bills: dict[str, BillFacts] = {}
        self.financings: dict[str, FinancingFacts] = {}

    def party(self, party_id: str) -> PartyFacts | None:
        return self.parties.get(party_id)
