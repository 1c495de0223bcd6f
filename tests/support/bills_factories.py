"""Bill test factories: admitted parties with valid credit-code ids, a controllable clock, and
bills brought quickly to any state through the real domain (no state is hand-built).

    world = World()
    flow = delivered_bill(world)                      # issued, accepted, received by the payee
    tier2 = world.enterprise()
    flow.act("bill.endorse", flow.payee, start=1, end=30_000_000, endorsee=tier2)
    flow.act("bill.sign", tier2, start=1)
    flow.refused("BILL_NOT_HOLDER", "bill.endorse", flow.payee, start=1, end=10, endorsee=tier2)
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import pytest

from ledger.credit_code import example_credit_code
from services.bills.domain import Bill, BillCommand, BillEvent, Context, apply
from services.bills.domain.calendar import CHINA, BusinessCalendar
from services.common.errors import PlatformError

# A test calendar: the State Council's 2025 holiday schedule, 调休 included.
CALENDAR = BusinessCalendar.from_config(
    holidays=[
        "2025-01-01",
        *[f"2025-01-{day}" for day in range(28, 32)],
        *[f"2025-02-0{day}" for day in range(1, 5)],
        "2025-04-04",
        *[f"2025-05-0{day}" for day in range(1, 6)],
        "2025-06-02",
        *[f"2025-10-0{day}" for day in range(1, 9)],
    ],
    working_weekends=["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"],
)
ISSUE_DAY = date(2025, 4, 1)  # a Tuesday
MATURITY = date(2025, 10, 1)  # National Day: paid on Thursday 2025-10-09
MILLION_YUAN = 100_000_000  # fen, = sub-tickets


def at(day: date, hour: int = 10) -> datetime:
    """The UTC instant of ``hour`` o'clock, China time, on ``day``."""
    return datetime.combine(day, time(hour), CHINA).astimezone(UTC)


def package_no() -> str:
    return str(1 + secrets.randbelow(9)) + "".join(str(secrets.randbelow(10)) for _ in range(29))


@dataclass
class World:
    """The admitted parties (random ids, so tests never collide) and the calendar."""

    calendar: BusinessCalendar = CALENDAR
    kinds: dict[str, str] = field(default_factory=dict)

    def party(self, kind: str) -> str:
        serial = secrets.randbelow(10**8)
        prefix = {"enterprise": "ent", "bank": "bank", "regulator": "reg", "operator": "op"}[kind]
        party_id = f"{prefix}-{example_credit_code(serial)}"
        self.kinds[party_id] = kind
        return party_id

    def enterprise(self) -> str:
        return self.party("enterprise")

    def bank(self) -> str:
        return self.party("bank")

    def operator(self) -> str:
        return self.party("operator")

    def context(self, day: date, hour: int = 10) -> Context:
        return Context(at(day, hour), self.calendar, self.kinds.get)


@dataclass
class Flow:
    """One bill moving through the domain; ``today`` is the clock every act uses."""

    world: World
    today: date
    drawer: str
    acceptor: str
    payee: str
    bill: Bill | None = None
    events: list[BillEvent] = field(default_factory=list)

    def on(self, day: date) -> Flow:
        self.today = day
        return self

    def act(self, type: str, actor: str, **body) -> list[BillEvent]:
        command = BillCommand(type, actor, body)
        self.bill, events = apply(self.bill, command, self.world.context(self.today))
        self.events.extend(events)
        return events

    def refused(self, code: str, type: str, actor: str, **body) -> PlatformError:
        """Assert the act is refused with ``code`` and changes nothing."""
        before = self.bill
        with pytest.raises(PlatformError) as caught:
            self.act(type, actor, **body)
        assert caught.value.code == code, caught.value.to_dict()
        assert self.bill is before
        return caught.value

    def range(self, start: int):
        return next(r for r in self.bill.ranges if r.start == start)

    def endorse(self, holder: str, start: int, end: int, endorsee: str, **flags) -> None:
        self.act("bill.endorse", holder, start=start, end=end, endorsee=endorsee, **flags)
        self.act("bill.sign", endorsee, start=start)


def issue_body(flow: Flow, **overrides) -> dict:
    body = {
        "package_no": package_no(),
        "kind": "bank_acceptance",
        "acceptor": flow.acceptor,
        "payee": flow.payee,
        "amount_fen": MILLION_YUAN,
        "issue_date": flow.today.isoformat(),
        "maturity_date": MATURITY.isoformat(),
    }
    return {**body, **overrides}


def new_flow(world: World, *, kind: str = "bank_acceptance", on: date = ISSUE_DAY) -> Flow:
    acceptor = world.bank() if kind == "bank_acceptance" else world.enterprise()
    return Flow(world, on, world.enterprise(), acceptor, world.enterprise())


def drafted_bill(world: World, *, kind: str = "bank_acceptance", **overrides) -> Flow:
    flow = new_flow(world, kind=kind)
    flow.act("bill.issue", flow.drawer, **issue_body(flow, kind=kind, **overrides))
    return flow


def accepted_bill(world: World, **options) -> Flow:
    flow = drafted_bill(world, **options)
    flow.act("bill.present_acceptance", flow.drawer)
    flow.act("bill.accept", flow.acceptor)
    return flow


def delivered_bill(world: World, **options) -> Flow:
    """Issued, accepted and received: in circulation, the payee holding [1, face]."""
    flow = accepted_bill(world, **options)
    flow.act("bill.present_receipt", flow.drawer)
    flow.act("bill.receive", flow.payee)
    return flow
