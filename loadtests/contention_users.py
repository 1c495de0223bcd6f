"""Contention: many users race to endorse the same slice of the same bills at the
same stream version — the holder signed one endorsement per contender, a double-spend attempt
each round. Exactly one may win each (bill, version): the winner's endorsee then signs, and the
next round opens on the next slice. Losing (``STREAM_VERSION_CONFLICT``) is the expected
outcome, reported as ``bills.submit[bill.endorse] (STREAM_VERSION_CONFLICT)``, never a failure.

When the run stops, the bills are read back (``bills.get_bill``, ``ledger.stream_version``):
one winner per version, each slice held by exactly its winner, nothing held twice, versions as
the rounds predict. Any double spend fails the run.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from pathlib import Path

import gevent
from locust import constant, events, task
from locust.exception import StopUser

from examples.bank_client import BankClient
from loadtests import gates, workload
from loadtests.amqp_user import AmqpUser

LOST = "STREAM_VERSION_CONFLICT"


class Board:
    """What the contenders of this process saw, shared between them (one process, gevent)."""

    def __init__(self):
        self.plan: dict | None = None
        self.round: dict[str, int] = {}
        self.winners: dict[tuple[str, int], list[int]] = defaultdict(list)
        self.outcomes: Counter = Counter()

    def setup(self, plan: dict) -> None:
        if self.plan is None:
            self.plan = plan
            self.round = {bill["package_no"]: 0 for bill in plan["bills"]}

    def open_round(self, tried: dict[str, int]):
        """A (bill, round number) this contender has not tried yet, if any is open."""
        for bill in self.plan["bills"]:
            number = bill["package_no"]
            current = self.round[number]
            if current < len(bill["rounds"]) and tried.get(number, -1) < current:
                return bill, current
        return None


BOARD = Board()
_contenders = itertools.count()


class ContendingUser(AmqpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        super().on_start()
        plan = self.workload["contention"]
        self.index = next(_contenders)
        if self.index >= plan["contenders"]:
            raise StopUser()  # no pre-signed offers for this many contenders
        BOARD.setup(plan)
        self.tried: dict[str, int] = {}

    @task
    def contend(self) -> None:
        chosen = BOARD.open_round(self.tried)
        if chosen is None:
            if all(BOARD.round[b["package_no"]] >= len(b["rounds"]) for b in BOARD.plan["bills"]):
                raise StopUser()
            gevent.sleep(0.002)  # the others are still racing for the open rounds
            return
        bill, round_no = chosen
        number, stage = bill["package_no"], bill["rounds"][round_no]
        self.tried[number] = round_no
        offer = stage["offers"][self.index]
        reply = self.submit("bills", offer["endorse"], expected={LOST})
        if reply.ok:
            BOARD.winners[(number, stage["version"])].append(self.index)
            BOARD.outcomes["won"] += 1
            signed = self.submit("bills", offer["sign"])
            if not signed.ok:  # unknown outcome: the identical command again is safe
                signed = self.submit("bills", offer["sign"])
            if signed.ok:
                BOARD.round[number] = round_no + 1
        else:
            BOARD.outcomes["lost" if reply.code == LOST else "failed"] += 1


@events.test_stop.add_listener
def no_double_spend(environment, **_kwargs) -> None:
    if BOARD.plan is None:
        return
    with BankClient(workload.broker_uri(environment.host), timeout=60) as client:
        problems = [p for bill in BOARD.plan["bills"] for p in _check_bill(client, bill)]
    for (number, version), winners in BOARD.winners.items():
        if len(winners) > 1:
            problems.append(f"{number} v{version}: {len(winners)} winners")
    completed = sum(BOARD.round.values())
    outcome = {
        "bills": len(BOARD.plan["bills"]),
        "contenders": BOARD.plan["contenders"],
        "rounds_completed": completed,
        "attempts": sum(BOARD.outcomes.values()),
        "won": BOARD.outcomes["won"],
        "lost_races": BOARD.outcomes["lost"],
        "failed": BOARD.outcomes["failed"],
        "versions_with_one_winner": sum(1 for w in BOARD.winners.values() if len(w) == 1),
        "double_spends": len(problems),
        "problems": problems[:20],
    }
    path = environment.parsed_options.outcome_file
    if path:
        Path(path).write_text(json.dumps(outcome, indent=2))
    for problem in problems:
        gates.fail(f"double spend: {problem}")
    if completed == 0:
        gates.fail("no contention round completed")


def _check_bill(client: BankClient, bill: dict) -> list[str]:
    """The bill as the platform now shows it agrees with one winner per round."""
    number = bill["package_no"]
    view = client.call("bills", "get_bill", number)
    problems = []
    ledger_version = client.call("ledger", "stream_version", f"bill:{number}")
    if view["version"] != ledger_version:
        problems.append(f"{number}: projection v{view['version']} != ledger v{ledger_version}")
    holders = {r["start"]: r for r in view["ranges"]}
    spans = sorted((r["start"], r["end"]) for r in view["ranges"])
    if any(left[1] >= right[0] for left, right in itertools.pairwise(spans)):
        problems.append(f"{number}: overlapping ranges {spans}")
    if sum(r["amount_fen"] for r in view["ranges"]) != BOARD.plan["face_fen"]:
        problems.append(f"{number}: ranges do not add up to the face amount")
    for round_no in range(BOARD.round[number]):
        stage = bill["rounds"][round_no]
        winners = BOARD.winners.get((number, stage["version"]), [])
        expected = stage["offers"][winners[0]]["endorsee"] if winners else None
        held = holders.get(stage["start"])
        if held is None or held["end"] != stage["end"] or held["holder"] != expected:
            problems.append(f"{number} round {round_no}: slice not held by its one winner")
    endorsed = [h for h in view["history"] if h["event"]["name"] == "bill_endorsed"]
    if len(endorsed) != BOARD.round[number]:
        problems.append(f"{number}: {len(endorsed)} endorsements for {BOARD.round[number]} rounds")
    requested = Counter(
        h["sequence"] for h in view["history"] if h["event"]["name"] == "endorsement_requested"
    )
    if len(requested) > BOARD.round[number] + 1:
        problems.append(f"{number}: more endorsement requests than rounds")
    return problems
