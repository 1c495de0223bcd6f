"""Helpers for the bills service tests: a test clock that only moves forward, a desk where
admitted parties sign bill commands at that clock and submit them, and a log of the events the
bills service dispatches (recorded by a small nameko service listening on the real broker).

Why a private ledger and one calendar year per test: the ledger's time never goes back
(ledger time = max(clock, last entry's time)) and a command's ``created_at`` must lie within
five minutes of it. Bills run for months, so the tests move the clock years ahead of the real
one — on a ledger of their own, so no other test of the run inherits that future.
"""

from __future__ import annotations

import itertools
import secrets
import time as wall
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import eventlet
import pytest
from nameko.events import event_handler

from ledger import generate_private_key
from services.bills.domain.calendar import BusinessCalendar, china_date
from services.bills.domain.events import EVENT_TYPES
from services.common.errors import CommandRejected
from tests.support.bills_factories import MILLION_YUAN, at, package_no
from tests.support.ledger_factories import Signer, random_credit_code

FIRST_YEAR = 2031
_HOLIDAYS_EACH_YEAR = [
    "01-01",
    *(f"05-0{d}" for d in range(1, 6)),
    *(f"10-0{d}" for d in range(1, 8)),
]
HOLIDAYS = [
    f"{year}-{day}" for year in range(FIRST_YEAR, FIRST_YEAR + 40) for day in _HOLIDAYS_EACH_YEAR
]
CALENDAR = BusinessCalendar.from_config(HOLIDAYS)
_years = itertools.count(FIRST_YEAR)


class TestClock:
    """The clock every service of the test reads (``<REDIS_PREFIX>clock:now``)."""

    __test__ = False

    def __init__(self, redis_client, key: str):
        self.redis = redis_client
        self.key = key
        self.moment = datetime.now(UTC)

    def set(self, moment: datetime) -> None:
        assert moment >= self.moment, f"the ledger's clock cannot go back to {moment}"
        self.moment = moment
        self.redis.set(self.key, moment.isoformat())

    def now(self) -> datetime:
        return self.moment


@dataclass
class Timeline:
    """A calendar year of its own for one test; ``go(month, day)`` sets the clock to 10:00
    China time that day."""

    clock: TestClock
    year: int = field(default_factory=lambda: next(_years))

    def date(self, month: int, day: int) -> date:
        return date(self.year, month, day)

    def go(self, month: int, day: int, hour: int = 10) -> date:
        return self.go_to(self.date(month, day), hour)

    def go_to(self, day: date, hour: int = 10) -> date:
        self.clock.set(at(day, hour))
        return day


@dataclass
class Desk:
    """Parties sign at the test clock; commands go to ``rpc.bills.submit``."""

    rpc: object
    clock: TestClock
    operator: Signer

    def admit(self, kind: str = "enterprise") -> Signer:
        prefix = {"enterprise": "ent", "bank": "bank"}[kind]
        party = Signer(f"{prefix}-{secrets.token_hex(5)}", generate_private_key())
        body = {
            "party_id": party.party_id,
            "kind": kind,
            "name": f"Test {kind} {party.party_id}",
            "public_key": party.public_key_text(),
            "credit_code": random_credit_code(),
        }
        stream = f"party:{party.party_id}"
        self.rpc.ledger.append_one(
            self.operator.wire("party.admit", stream, 0, body, created_at=self.clock.now())
        )
        return party

    def version(self, package: str) -> int:
        return self.rpc.ledger.stream_version(f"bill:{package}")

    def wire(self, signer: Signer, type: str, package: str, body: dict, **fields) -> dict:
        version = fields.pop("version", None)
        version = self.version(package) if version is None else version
        fields.setdefault("created_at", self.clock.now())
        return signer.wire(type, f"bill:{package}", version, body, **fields)

    def submit(self, signer: Signer, type: str, package: str, **body) -> dict:
        return self.rpc.bills.submit(self.wire(signer, type, package, body))

    def refused(self, code: str, wire: dict) -> CommandRejected:
        with pytest.raises(CommandRejected) as caught:
            self.rpc.bills.submit(wire)
        assert caught.value.code == code, caught.value.args
        return caught.value

    def issue(self, drawer, acceptor, payee, maturity: date, **options) -> str:
        """Issue a bill today; returns its package number."""
        number = package_no()
        body = {
            "package_no": number,
            "kind": "bank_acceptance",
            "acceptor": acceptor.party_id,
            "payee": payee.party_id,
            "amount_fen": MILLION_YUAN,
            "issue_date": china_date(self.clock.now()).isoformat(),
            "maturity_date": maturity.isoformat(),
            **options,
        }
        self.submit(drawer, "bill.issue", number, **body)
        return number

    def deliver(self, drawer, acceptor, payee, maturity: date, **options) -> str:
        """Issue, accept and deliver to the payee: the bill enters circulation."""
        number = self.issue(drawer, acceptor, payee, maturity, **options)
        self.submit(drawer, "bill.present_acceptance", number)
        self.submit(acceptor, "bill.accept", number)
        self.submit(drawer, "bill.present_receipt", number)
        self.submit(payee, "bill.receive", number)
        return number

    def endorse(self, holder, package: str, start: int, end: int, endorsee, **flags) -> dict:
        self.submit(
            holder,
            "bill.endorse",
            package,
            start=start,
            end=end,
            endorsee=endorsee.party_id,
            **flags,
        )
        return self.submit(endorsee, "bill.sign", package, start=start)


class EventLog:
    """Bill events as a subscriber on the broker received them."""

    def __init__(self):
        self.received: list[dict] = []

    def of(self, package: str, name: str | None = None) -> list[dict]:
        return [
            payload
            for payload in self.received
            if payload["package_no"] == package and name in (None, payload["name"])
        ]

    def wait_for(self, package: str, count: int, name: str | None = None, timeout=10.0):
        deadline = wall.monotonic() + timeout
        while len(self.of(package, name)) < count:
            assert wall.monotonic() < deadline, f"saw {len(self.of(package, name))} {name} events"
            eventlet.sleep(0.02)
        return sorted(self.of(package, name), key=lambda payload: payload["sequence"])


def event_recorder(log: EventLog):
    """A nameko service subscribing to every bill event the bills service can dispatch."""

    def handler(name: str):
        @event_handler("bills", name)
        def record(self, payload):
            log.received.append(payload)

        return record

    handlers = {f"on_{name}": handler(name) for name in EVENT_TYPES}
    return type("BillsEventRecorder", (), {"name": "bills_event_recorder", **handlers})


def wait_until(probe, timeout: float = 10.0):
    """Poll ``probe`` until it returns something truthy."""
    deadline = wall.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        assert wall.monotonic() < deadline, "timed out waiting"
        eventlet.sleep(0.05)
