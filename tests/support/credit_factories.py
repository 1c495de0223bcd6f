"""Factories for the credit tests: small seeded worlds (cached per process: generating and
signing one takes seconds), ledger-like records built by hand, and a replay of world commands
through the bills and invoices domains (the world must speak their language exactly)."""

from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from ledger.commands import parse_time
from services.credit.training.world import World, generate_world

SMALL_WORLD = (11, 60)  # seed, size: a world the pure tests share (≈ 12,000 commands)


@functools.cache
def small_world(seed: int = SMALL_WORLD[0], size: int = SMALL_WORLD[1]) -> World:
    return generate_world(seed, size)


@functools.cache
def world_records(seed: int = SMALL_WORLD[0], size: int = SMALL_WORLD[1]) -> tuple:
    return tuple(small_world(seed, size).records())


class RecordBook:
    """Ledger-like records written by hand: ``add(type, signer, stream, body, at)`` appends a
    record with the next sequence and a stable, unique entry id."""

    def __init__(self, start: datetime | None = None):
        self.records: list[dict] = []
        self.versions: dict[str, int] = defaultdict(int)
        self.now = start or datetime(2030, 1, 7, 2, tzinfo=UTC)

    def add(self, type: str, signer: str, stream: str, body: dict, days: float = 0) -> dict:
        self.now += timedelta(days=days)
        version = self.versions[stream]
        self.versions[stream] += 1
        envelope = {
            "type": type,
            "stream": stream,
            "expected_version": version,
            "signer": signer,
            "body": body,
        }
        sequence = len(self.records)
        identity = f"{sequence}:{type}:{stream}:{version}".encode()
        record = {
            "sequence": sequence,
            "entry_id": hashlib.sha256(identity).hexdigest(),
            "envelope": envelope,
            "ledger_time": self.now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
        self.records.append(record)
        return record


def replay_through_domains(world: World, calendar=None) -> list[tuple[str, str, str]]:
    """Decide every bill, trade, invoice, consent and financing command of ``world`` with the
    real domain rules at its ledger time (on ``calendar``, by default one without holidays);
    return the refusals ``(type, stream, code)``."""
    from services.bills import domain as bills
    from services.bills.domain.calendar import BusinessCalendar
    from services.common.errors import PlatformError

    kinds = {party.party_id: party.kind for party in world.parties}
    codes = {party.party_id: party.credit_code for party in world.parties}
    invoices_replay = _InvoicesReplay(kinds, codes)
    calendar = calendar or BusinessCalendar.from_config([])
    bill_states: dict[str, object] = {}
    refusals = []
    for command in world.commands:
        now = parse_time(command.created_at)
        try:
            if command.stream.startswith("bill:"):
                context = bills.Context(now, calendar, kinds.get)
                bill = bill_states.get(command.stream)
                raw = bills.BillCommand(command.type, command.signer, command.body)
                bill_states[command.stream], _ = bills.apply(bill, raw, context)
            elif command.stream.split(":")[0] in ("invoice", "trade", "consent", "financing"):
                invoices_replay.apply(command, now)
        except PlatformError as refusal:
            refusals.append((command.type, command.stream, refusal.code))
    return refusals


class _InvoicesReplay:
    """The invoices domain's streams in memory, with the ``Records`` financing reads."""

    def __init__(self, kinds: dict, codes: dict):
        self.kinds, self.codes = kinds, codes
        self.states: dict[str, object] = {}

    def invoice(self, number):
        return self.states.get(f"invoice:{number}")

    def trade(self, trade_id):
        return self.states.get(f"trade:{trade_id}")

    def invoices_of_trade(self, trade_id):
        return [
            state
            for stream, state in self.states.items()
            if stream.startswith("invoice:") and state.trade_id == trade_id
        ]

    def consent(self, sme):
        return self.states.get(f"consent:{sme}")

    def available_credit_fen(self, sme, bank):
        return None

    def apply(self, command, now) -> None:
        from services.invoices import domain as invoices

        context = invoices.Context(now, self.kinds.get, self.codes.get, self)
        raw = invoices.Command(command.type, command.signer, command.body)
        state = self.states.get(command.stream)
        for event in invoices.decide(state, raw, context):
            state = invoices.evolve(state, event)
        self.states[command.stream] = state


class Scenario:
    """A hand-made trade history: facts are collected with their moments, then ``records()``
    orders them in ledger time and numbers them (stream versions follow). Amounts in fen.

        scene = Scenario()
        scene.admit("ent-s"); scene.admit("ent-core"); scene.programme("bank-1", "ent-core")
        scene.trade("ent-s", "ent-core", 1_000_000, day=10, paid_late=0)
    """

    START = datetime(2030, 3, 4, 2, tzinfo=UTC)

    def __init__(self):
        self.facts: list[tuple[datetime, int, str, str, str, dict]] = []
        self.codes: dict[str, str] = {}
        self.serial = 0

    def _at(self, day: float) -> datetime:
        return self.START + timedelta(days=day)

    def add(self, day: float, type: str, signer: str, stream: str, body: dict) -> None:
        self.facts.append((self._at(day), len(self.facts), type, signer, stream, body))

    def admit(self, party: str, kind: str = "enterprise") -> None:
        from ledger.credit_code import example_credit_code

        self.serial += 1
        self.codes[party] = example_credit_code(7_000_000 + self.serial)
        body = {"party_id": party, "kind": kind, "name": party, "credit_code": self.codes[party]}
        self.add(-1 + self.serial / 1000, "party.admit", "operator", f"party:{party}", body)

    def programme(self, bank: str, anchor: str, limit_fen: int = 10**11) -> None:
        body = {"programme_id": f"p-{anchor}", "anchor": anchor, "limit_fen": limit_fen}
        self.add(0, "programme.open", bank, f"programme:p-{anchor}", body)

    def trade(self, seller, buyer, amount_fen, *, day, paid_late=0, terms=30, ship=True,
              bank="bank-1", reversed_fen=0) -> str:  # fmt: skip
        """A contract, goods, a confirmed invoice with terms, and the payment ``paid_late``
        days after the due date (``None``: never paid). Returns the invoice number."""
        self.serial += 1
        trade_id, number = f"t-{self.serial}", f"{self.serial:020d}"
        lines = [{"item": "widget", "quantity": "1", "unit_price_fen": amount_fen}]
        contract = {"trade_id": trade_id, "contract_number": f"c-{trade_id}",
                    "seller": seller, "buyer": buyer, "lines": lines}  # fmt: skip
        self.add(day, "trade.propose_contract", buyer, f"trade:{trade_id}", contract)
        self.add(day, "trade.sign_contract", seller, f"trade:{trade_id}", {"trade_id": trade_id})
        goods = {"trade_id": trade_id, "shipment_id": "s1",
                 "lines": [{"item": "widget", "quantity": "1"}]}  # fmt: skip
        if ship:
            self.add(day + 1, "trade.dispatch_shipment", seller, f"trade:{trade_id}", goods)
            self.add(day + 2, "trade.receive_goods", buyer, f"trade:{trade_id}", goods)
        tax = (2 * amount_fen * 1300 + 10_000) // 20_000
        invoice = {"number": number, "issue_date": self._at(day + 2).date().isoformat(),
                   "seller_credit_code": self.codes[seller],
                   "buyer_credit_code": self.codes[buyer], "lines": [],
                   "amount_fen": amount_fen, "tax_fen": tax, "total_fen": amount_fen + tax,
                   "trade_id": trade_id}  # fmt: skip
        self.add(day + 2, "invoice.issue", seller, f"invoice:{number}", invoice)
        self.add(day + 3, "invoice.confirm", buyer, f"invoice:{number}", {"number": number})
        due = self._at(day + 3 + terms).date().isoformat()
        self.add(day + 3, "payment.terms_agreed", buyer, f"payment:{number}",
                 {"number": number, "due_date": due})  # fmt: skip
        if reversed_fen:
            reversal = {"number": number, "reversal_id": f"r{number}",
                        "amount_fen": reversed_fen, "tax_fen": 0}  # fmt: skip
            self.add(day + 4, "invoice.request_reversal", seller, f"invoice:{number}", reversal)
            self.add(day + 4, "invoice.approve_reversal", buyer, f"invoice:{number}",
                     {"number": number, "reversal_id": f"r{number}"})  # fmt: skip
        if paid_late is not None:
            payment = {"number": number, "payment_ref": f"pay{number}",
                       "amount_fen": amount_fen + tax - reversed_fen}  # fmt: skip
            self.add(day + 3 + terms + paid_late, "invoice.record_payment", bank,
                     f"invoice:{number}", payment)  # fmt: skip
        return number

    def dishonoured_bill(self, acceptor: str, holder: str, amount_fen: int, *, day: float,
                         paid: bool = False) -> None:  # fmt: skip
        self.serial += 1
        stream = f"bill:{self.serial:030d}"
        issue = {"package_no": f"{self.serial:030d}", "kind": "commercial_acceptance",
                 "acceptor": acceptor, "payee": holder, "amount_fen": amount_fen,
                 "issue_date": self._at(day).date().isoformat(),
                 "maturity_date": self._at(day + 30).date().isoformat()}  # fmt: skip
        self.add(day, "bill.issue", acceptor, stream, issue)
        self.add(day + 30, "bill.present_payment", holder, stream, {"start": 1})
        if paid:
            self.add(day + 30, "bill.pay", acceptor, stream, {"start": 1})
        else:
            self.add(day + 30, "bill.dishonour", acceptor, stream, {"start": 1, "reason": "no"})

    def records(self) -> list[dict]:
        versions: dict[str, int] = defaultdict(int)
        records = []
        for sequence, (moment, _, type, signer, stream, body) in enumerate(sorted(self.facts)):
            envelope = {"type": type, "stream": stream, "expected_version": versions[stream],
                        "signer": signer, "body": body}  # fmt: skip
            versions[stream] += 1
            identity = f"{type}|{stream}|{envelope['expected_version']}|{moment.isoformat()}"
            records.append(
                {
                    "sequence": sequence,
                    "entry_id": hashlib.sha256(identity.encode()).hexdigest(),
                    "envelope": envelope,
                    "ledger_time": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                }
            )
        return records


def score_of(records, party: str, as_of: datetime, scorecard=None):
    """The assessment of ``party`` from ``records`` at ``as_of`` with the shipped model."""
    from services.credit.domain.assessment import assess
    from services.credit.domain.book import CreditBook
    from services.credit.domain.features import take_snapshot
    from services.credit.domain.scorecard import Scorecard

    cut = as_of.strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # the ledger up to that moment
    book = CreditBook().apply_all(r for r in records if r["ledger_time"] <= cut)
    return assess(take_snapshot(book, as_of), party, scorecard or Scorecard.load())


def concerns(record: dict, party: str, book) -> bool:
    """Whether a ledger record is about ``party``: it signed it, is named in it, or the
    invoice, trade, bill or financing it belongs to is the party's."""
    envelope = record["envelope"]
    body = envelope["body"]
    if envelope["signer"] == party or party in {v for v in body.values() if isinstance(v, str)}:
        return True
    kind, _, key = envelope["stream"].partition(":")
    if kind in ("invoice", "payment") and key in book.invoices:
        return party in (book.invoices[key].seller, book.invoices[key].buyer)
    if kind == "trade" and key in book.trades:
        return party in (book.trades[key].seller, book.trades[key].buyer)
    if kind == "bill" and key in book.bills:
        bill = book.bills[key]
        return party in (bill.acceptor, bill.drawer, *(h for _, h in bill.ranges.values()))
    if kind == "financing" and key in book.financings:
        return party == book.financings[key].sme
    return kind == "party" and key == party
