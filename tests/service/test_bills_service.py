"""The bills service against the real broker, database and Redis, on a ledger of its own.

Every command is signed by the party that acts, at the test clock, and goes through
``bills.submit``; what the service dispatches is observed by a subscriber on the broker.
"""

from types import SimpleNamespace

import pytest
import redis
from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker

from ledger import NoteKey, expand_receipt, public_key_der, verify_receipt
from services.common.errors import CommandRejected
from tests.support.bills_factories import MILLION_YUAN, package_no
from tests.support.bills_service_harness import (
    CALENDAR,
    HOLIDAYS,
    Desk,
    EventLog,
    TestClock,
    Timeline,
    event_recorder,
    wait_until,
)
from tests.support.infrastructure import delete_vhost, private_ledger


@pytest.fixture(scope="module")
def stack(ledger_config, database_factory, services, run_id, redis_prefix, operator):
    from nameko.containers import ServiceContainer
    from nameko.standalone.rpc import ClusterRpcProxy

    from services.bills.operations import migrate
    from services.bills.service import BillsService
    from services.ledger.service import LedgerService

    ledger, vhost = private_ledger(
        services, ledger_config, database_factory, run_id, redis_prefix, "bills"
    )
    config = {
        **ledger,
        "DATABASE_URL": database_factory("bills"),
        "BILLS_HOLIDAYS": HOLIDAYS,
        "BILLS_TICK_SECONDS": 3600,  # the tests tick by RPC, at the moments they choose
    }
    migrate(config)
    log = EventLog()
    containers = [
        ServiceContainer(LedgerService, ledger),
        ServiceContainer(BillsService, config),
        ServiceContainer(event_recorder(log), config),
    ]
    for container in containers:
        container.start()
    client = redis.Redis.from_url(config["REDIS_URL"])
    clock = TestClock(client, f"{config['REDIS_PREFIX']}clock:now")
    with ClusterRpcProxy(config, timeout=30) as rpc:
        yield SimpleNamespace(
            rpc=rpc, config=config, events=log, clock=clock, desk=Desk(rpc, clock, operator)
        )
    for container in reversed(containers):
        container.stop()
    client.close()
    delete_vhost(services, vhost)


@pytest.fixture
def desk(stack) -> Desk:
    return stack.desk


@pytest.fixture
def events(stack) -> EventLog:
    return stack.events


@pytest.fixture
def timeline(stack) -> Timeline:
    return Timeline(stack.clock)


def holdings(bill: dict) -> list[tuple]:
    return [(r["holder"], r["start"], r["end"], r["status"]) for r in bill["ranges"]]


def round_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


# -- the life of a supply-chain bill ----------------------------------------------------------


def test_a_supply_chain_bill_is_split_endorsed_discounted_and_paid_to_every_holder(
    desk, events, timeline
):
    timeline.go(3, 3)
    core, tier1, tier2a, tier2b = (desk.admit() for _ in range(4))
    acceptor, discounter = desk.admit("bank"), desk.admit("bank")
    maturity = timeline.date(9, 3)

    number = package_no()
    issue = {
        "package_no": number,
        "kind": "bank_acceptance",
        "acceptor": acceptor.party_id,
        "payee": tier1.party_id,
        "amount_fen": MILLION_YUAN,
        "issue_date": timeline.date(3, 3).isoformat(),
        "maturity_date": maturity.isoformat(),
        "supply_chain": True,
    }
    issued = desk.submit(core, "bill.issue", number, **issue)
    assert issued["bill"]["status"] == "drafted"
    assert issued["bill"]["amount_yuan"] == "1000000.00"
    assert issued["bill"]["history"][0]["entry_id"] == issued["receipt"]["entry_id"]
    ledger_key = NoteKey.from_vkey(desk.rpc.ledger.public_info()["vkey"])
    assert verify_receipt(issued["receipt"], ledger_key, public_key_der(core.key))

    desk.submit(core, "bill.present_acceptance", number)
    desk.submit(acceptor, "bill.accept", number)
    desk.submit(core, "bill.present_receipt", number)
    received = desk.submit(tier1, "bill.receive", number)["bill"]
    assert received["status"] == "in_circulation"
    assert holdings(received) == [(tier1.party_id, 1, MILLION_YUAN, "active")]

    desk.endorse(tier1, number, 1, 30_000_000, tier2a)
    split = desk.endorse(tier1, number, 30_000_001, 50_000_000, tier2b)["bill"]
    assert holdings(split) == [
        (tier2a.party_id, 1, 30_000_000, "active"),
        (tier2b.party_id, 30_000_001, 50_000_000, "active"),
        (tier1.party_id, 50_000_001, MILLION_YUAN, "active"),
    ]
    (held,) = desk.rpc.bills.bills_of(tier2a.party_id, "held")
    assert (held["package_no"], held["amount_yuan"]) == (number, "300000.00")
    (payable,) = desk.rpc.bills.bills_of(acceptor.party_id, "payable")
    assert payable["amount_fen"] == MILLION_YUAN

    discount_day = timeline.go(4, 1)
    desk.submit(
        tier2a,
        "bill.discount",
        number,
        start=1,
        end=30_000_000,
        bank=discounter.party_id,
        rate_bp=150,
    )
    desk.submit(discounter, "bill.sign", number, start=1)
    (discounted,) = events.wait_for(number, 1, "bill_discounted")
    days = (CALENDAR.adjust_following(maturity) - discount_day).days
    interest = round_half_up(30_000_000 * 150 * days, 10_000 * 360)  # 1.50% a year, actual/360
    assert (discounted["days"], discounted["interest_fen"]) == (days, interest)
    assert discounted["proceeds_fen"] == 30_000_000 - interest
    assert desk.rpc.bills.bills_of(tier2a.party_id, "held") == []

    timeline.go_to(maturity)
    creditors = [(discounter, 1), (tier2b, 30_000_001), (tier1, 50_000_001)]
    for creditor, start in creditors:
        desk.submit(creditor, "bill.present_payment", number, start=start)
        desk.submit(acceptor, "bill.pay", number, start=start)

    settled = desk.rpc.bills.get_bill(number)
    assert settled["status"] == "settled"
    assert {r["status"] for r in settled["ranges"]} == {"paid"}
    paid = events.wait_for(number, 3, "bill_paid")
    assert [(p["paid_to"], p["amount_fen"]) for p in paid] == [
        (discounter.party_id, 30_000_000),
        (tier2b.party_id, 20_000_000),
        (tier1.party_id, 50_000_000),
    ]
    assert desk.rpc.bills.bills_of(acceptor.party_id, "payable") == []

    # every step of the history was published once, with the ledger entry that recorded it
    history = settled["history"]
    published = events.wait_for(number, len(history))
    assert len(events.of(number)) == len(history)
    steps = sorted((h["sequence"], h["event"]["name"], h["entry_id"]) for h in history)
    assert sorted((p["sequence"], p["name"], p["entry_id"]) for p in published) == steps
    assert settled["version"] == desk.version(number) == len({h["entry_id"] for h in history})


def test_a_dishonoured_bill_runs_back_through_recourse_to_the_acceptor(desk, events, timeline):
    timeline.go(2, 10)
    core, tier1, tier2 = (desk.admit() for _ in range(3))
    acceptor = desk.admit("bank")
    maturity = timeline.date(8, 10)
    number = desk.deliver(core, acceptor, tier1, maturity)
    desk.endorse(tier1, number, 1, 40_000_000, tier2)

    timeline.go_to(maturity)
    desk.submit(tier2, "bill.present_payment", number, start=1)
    desk.submit(tier1, "bill.present_payment", number, start=40_000_001)
    desk.submit(acceptor, "bill.dishonour", number, start=1, reason="insufficient funds")
    (dishonour,) = events.wait_for(number, 1, "bill_dishonoured")
    assert (dishonour["creditor"], dishonour["deemed"]) == (tier2.party_id, False)

    # each party that pays a recourse claim takes the range and claims further back
    for claimant, against in ((tier2, tier1), (tier1, core), (core, acceptor)):
        desk.submit(
            claimant,
            "bill.claim_recourse",
            number,
            start=1,
            against=against.party_id,
            interest_fen=12_345,
        )
        desk.submit(against, "bill.settle_recourse", number, start=1)
    settled = events.wait_for(number, 3, "recourse_settled")
    assert [(s["claimant"], s["settled_by"]) for s in settled] == [
        (tier2.party_id, tier1.party_id),
        (tier1.party_id, core.party_id),
        (core.party_id, acceptor.party_id),
    ]
    assert {s["total_fen"] for s in settled} == {40_000_000 + 12_345}

    # the acceptor stays silent on the other presentment: the timer answers from day three
    answer_deadline = CALENDAR.next_business_day(CALENDAR.adjust_following(maturity))
    version = desk.version(number)
    timeline.go_to(answer_deadline, hour=18)
    assert desk.rpc.bills.tick(number)["receipt"] is None  # nothing due yet: nothing appended
    assert desk.version(number) == version
    timeline.go_to(CALENDAR.next_business_day(answer_deadline))
    ticked = desk.rpc.bills.tick(number)
    assert ticked["receipt"]["leaf"]["envelope"]["signer"] == "operator"
    deemed = events.wait_for(number, 2, "bill_dishonoured")[-1]
    assert (deemed["start"], deemed["deemed"]) == (40_000_001, True)
    assert holdings(ticked["bill"]) == [
        (acceptor.party_id, 1, 40_000_000, "discharged"),
        (tier1.party_id, 40_000_001, MILLION_YUAN, "dishonoured"),
    ]
    assert ticked["bill"]["status"] == "dishonoured"
    (receivable,) = desk.rpc.bills.bills_of(tier1.party_id, "receivable")
    assert receivable["amount_fen"] == 60_000_000


def test_the_timer_lets_an_unanswered_endorsement_lapse(desk, events, timeline):
    timeline.go(3, 2)
    core, tier1, tier2 = (desk.admit() for _ in range(3))
    number = desk.deliver(core, desk.admit("bank"), tier1, timeline.date(8, 31))
    desk.submit(tier1, "bill.endorse", number, start=1, end=MILLION_YUAN, endorsee=tier2.party_id)
    (request,) = desk.rpc.bills.range_map(number)
    lapse = CALENDAR.add_business_days(timeline.date(3, 2), 10)
    assert request["pending"]["deadline"] == lapse.isoformat()

    timeline.go_to(CALENDAR.next_business_day(lapse))
    assert number in desk.rpc.bills.tick_due()
    (expired,) = events.wait_for(number, 1, "request_expired")
    assert expired["request_type"] == "endorsement"
    assert desk.rpc.bills.range_map(number)[0]["pending"] is None


# -- races and refusals -------------------------------------------------------------------


def test_racing_endorsements_of_one_range_let_exactly_one_win(desk, timeline):
    timeline.go(4, 7)
    core, tier1, tier2a, tier2b = (desk.admit() for _ in range(4))
    number = desk.deliver(core, desk.admit("bank"), tier1, timeline.date(9, 30))
    for round_ in range(3):
        start, end = round_ * 10_000_000 + 1, (round_ + 1) * 10_000_000
        version = desk.version(number)
        wires = [
            desk.wire(
                tier1,
                "bill.endorse",
                number,
                {"start": start, "end": end, "endorsee": endorsee.party_id},
            )
            for endorsee in (tier2a, tier2b)
        ]
        replies = [desk.rpc.bills.submit.call_async(wire) for wire in wires]
        outcomes = []
        for reply in replies:
            try:
                outcomes.append(reply.result()["bill"])
            except CommandRejected as refusal:
                outcomes.append(refusal.code)
        assert outcomes.count("STREAM_VERSION_CONFLICT") == 1, outcomes
        winner = next(o for o in outcomes if isinstance(o, dict))
        after = desk.rpc.bills.get_bill(number)
        assert after == winner
        assert after["version"] == desk.version(number) == version + 1
        (pending,) = [r for r in after["ranges"] if r["pending"]]
        assert (pending["start"], pending["end"]) == (start, end)
        assert pending["pending"]["counterparty"] in (tier2a.party_id, tier2b.party_id)
        desk.submit(tier1, "bill.withdraw", number, start=start)
    assert {r["holder"] for r in desk.rpc.bills.get_bill(number)["ranges"]} == {tier1.party_id}


@pytest.fixture(scope="module")
def circulating(stack):
    """A bill in circulation: tier2 holds [1, 20M] marked 不得转让 by tier1, [20M+1, 40M] is
    pledged to a bank, tier1 holds the rest."""
    desk = stack.desk
    timeline = Timeline(stack.clock)
    timeline.go(3, 10)
    core, tier1, tier2, stranger = (desk.admit() for _ in range(4))
    acceptor, bank = desk.admit("bank"), desk.admit("bank")
    number = desk.deliver(core, acceptor, tier1, timeline.date(9, 10))
    desk.endorse(tier1, number, 1, 20_000_000, tier2, not_transferable=True)
    desk.submit(
        tier1, "bill.pledge", number, start=20_000_001, end=40_000_000, pledgee=bank.party_id
    )
    desk.submit(bank, "bill.sign", number, start=20_000_001)
    return SimpleNamespace(
        number=number, tier1=tier1, tier2=tier2, stranger=stranger, bank=bank, desk=desk
    )


def _endorse(c, signer, start, end, endorsee, **fields):
    body = {"start": start, "end": end, "endorsee": endorsee.party_id}
    return c.desk.wire(signer, "bill.endorse", c.number, body, **fields)


def _forged(c):
    wire = _endorse(c, c.tier1, 40_000_001, 50_000_000, c.tier2)
    body = {**wire["envelope"]["body"], "end": 90_000_000}  # changed after signing
    return {**wire, "envelope": {**wire["envelope"], "body": body}}


def _issue_on_wrong_stream(c):
    body = {
        "package_no": package_no(),
        "kind": "bank_acceptance",
        "acceptor": c.bank.party_id,
        "payee": c.tier2.party_id,
        "amount_fen": MILLION_YUAN,
        "issue_date": "2031-01-01",
        "maturity_date": "2031-02-01",
    }
    return c.desk.wire(c.tier1, "bill.issue", package_no(), body)


REFUSALS = [
    ("only the holder endorses", "BILL_NOT_HOLDER",
     lambda c: _endorse(c, c.stranger, 40_000_001, 50_000_000, c.tier2)),
    ("a pledged range is not endorsed", "BILL_RANGE_PLEDGED",
     lambda c: _endorse(c, c.tier1, 20_000_001, 40_000_000, c.tier2)),
    ("a pledged range is not discounted", "BILL_RANGE_PLEDGED",
     lambda c: c.desk.wire(c.tier1, "bill.discount", c.number,
                           {"start": 20_000_001, "end": 40_000_000,
                            "bank": c.bank.party_id, "rate_bp": 150})),
    ("不得转让 stops further endorsement", "BILL_NOT_TRANSFERABLE",
     lambda c: _endorse(c, c.tier2, 1, 20_000_000, c.stranger)),
    ("only enterprises are endorsed to", "BILL_NOT_ENTERPRISE",
     lambda c: _endorse(c, c.tier1, 40_000_001, 50_000_000, c.bank)),
    ("payment is presented from maturity", "BILL_NOT_DUE",
     lambda c: c.desk.wire(c.tier1, "bill.present_payment", c.number, {"start": 40_000_001})),
    ("nobody signs a request never made", "BILL_NO_PENDING_REQUEST",
     lambda c: c.desk.wire(c.tier2, "bill.sign", c.number, {"start": 40_000_001})),
    ("only the operator ticks", "BILL_NOT_OPERATOR",
     lambda c: c.desk.wire(c.tier1, "bill.tick", c.number, {})),
    ("an unknown bill", "BILL_NOT_FOUND",
     lambda c: c.desk.wire(c.tier1, "bill.endorse", package_no(),
                           {"start": 1, "end": 10, "endorsee": c.tier2.party_id})),
    ("a bill is issued on its own stream", "BILL_FIELD_INVALID", _issue_on_wrong_stream),
    ("a stale stream version", "STREAM_VERSION_CONFLICT",
     lambda c: _endorse(c, c.tier1, 40_000_001, 50_000_000, c.tier2,
                        version=c.desk.version(c.number) - 1)),
    ("a body changed after signing", "SIGNATURE_MISMATCH", _forged),
    ("bill commands go on bill streams", "BILL_FIELD_INVALID",
     lambda c: c.tier1.wire("bill.endorse", f"trade:{package_no()}", 0,
                            {"start": 1, "end": 10, "endorsee": c.tier2.party_id},
                            created_at=c.desk.clock.now())),
    ("a malformed envelope", "INVALID_ENVELOPE",
     lambda c: {"envelope": {"type": "bill.endorse"}, "signature": ""}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("code", "build"), [case[1:] for case in REFUSALS], ids=[case[0] for case in REFUSALS]
)
def test_a_refused_command_returns_a_stable_code_and_appends_nothing(circulating, code, build):
    desk, number = circulating.desk, circulating.number
    wire = build(circulating)
    streams = {f"bill:{number}", wire["envelope"].get("stream", f"bill:{number}")}
    versions = {stream: desk.rpc.ledger.stream_version(stream) for stream in streams}
    before = desk.rpc.bills.get_bill(number)

    desk.refused(code, wire)

    assert {stream: desk.rpc.ledger.stream_version(stream) for stream in streams} == versions
    assert desk.rpc.bills.get_bill(number) == before


@pytest.mark.parametrize(
    ("method", "arguments", "code"),
    [
        ("get_bill", ("12345",), "BILL_FIELD_INVALID"),
        ("get_bill", (package_no(),), "BILL_NOT_FOUND"),
        ("range_map", (package_no(),), "BILL_NOT_FOUND"),
        ("tick", (package_no(),), "BILL_NOT_FOUND"),
        ("bills_of", ("ent-1", "owed"), "BILL_FIELD_INVALID"),
        ("bills_of", ("no spaces", "held"), "BILL_FIELD_INVALID"),
    ],
)
def test_reads_refuse_bad_questions_with_stable_codes(desk, method, arguments, code):
    with pytest.raises(CommandRejected) as refused:
        getattr(desk.rpc.bills, method)(*arguments)
    assert refused.value.code == code


def test_resubmitting_an_applied_command_returns_its_receipt_without_a_second_effect(
    desk, timeline
):
    timeline.go(5, 12)
    core, tier1, tier2 = (desk.admit() for _ in range(3))
    number = desk.deliver(core, desk.admit("bank"), tier1, timeline.date(10, 12))
    wire = desk.wire(
        tier1, "bill.endorse", number, {"start": 1, "end": 5_000_000, "endorsee": tier2.party_id}
    )
    first = desk.rpc.bills.submit(wire)
    again = desk.rpc.bills.submit(wire)
    assert again["receipt"]["entry_id"] == first["receipt"]["entry_id"]
    assert again["bill"] == first["bill"]


def test_a_batch_endorses_many_bills_in_one_append_and_refuses_only_what_the_rules_refuse(
    desk, events, timeline
):
    timeline.go(5, 13)
    core, bank, tier1, tier2 = desk.admit(), desk.admit("bank"), desk.admit(), desk.admit()
    numbers = [desk.deliver(core, bank, tier1, timeline.date(10, 13)) for _ in range(3)]
    whole = {"start": 1, "end": MILLION_YUAN, "endorsee": tier2.party_id}
    endorsements = [desk.wire(tier1, "bill.endorse", number, whole) for number in numbers]
    version = desk.version(numbers[0])
    # tier2 signs for the first bill in the same batch: it applies after the endorsement
    signature = desk.wire(tier2, "bill.sign", numbers[0], {"start": 1}, version=version + 1)
    not_holder = desk.wire(tier2, "bill.endorse", numbers[1], {**whole, "endorsee": core.party_id})
    batch = [*endorsements, signature, not_holder]

    answer = desk.rpc.bills.submit_batch(batch)
    results = answer["results"]
    assert [("receipt" in result) for result in results] == [True, True, True, True, False]
    assert results[4]["error"]["code"] == "STREAM_VERSION_CONFLICT"  # signed for a used version
    sequences = [result["receipt"]["sequence"] for result in results[:3]]
    assert sequences == sorted(sequences) and sequences[-1] - sequences[0] == 2, "one append"
    assert results[3]["receipt"]["sequence"] > sequences[-1]
    ledger_key = NoteKey.from_vkey(desk.rpc.ledger.public_info()["vkey"])
    full = expand_receipt(results[0]["receipt"], endorsements[0], results[0]["checkpoint"])
    assert verify_receipt(full, ledger_key).entry_id == results[0]["receipt"]["entry_id"]

    first = desk.rpc.bills.get_bill(numbers[0])
    assert [r["holder"] for r in first["ranges"]] == [tier2.party_id]
    for number in numbers[1:]:
        pending = desk.rpc.bills.get_bill(number)["ranges"][0]["pending"]
        assert pending["type"] == "endorsement" and pending["counterparty"] == tier2.party_id
    events.wait_for(numbers[0], 1, "bill_endorsed")

    again = desk.rpc.bills.submit_batch(batch[:4])  # the same commands again: same receipts
    assert [r["receipt"]["entry_id"] for r in again["results"]] == [
        r["receipt"]["entry_id"] for r in results[:4]
    ]


def test_a_batch_that_is_not_a_list_of_commands_is_refused_whole(desk):
    for batch in ([], "commands", [None] * 501):
        with pytest.raises(CommandRejected) as refused:
            desk.rpc.bills.submit_batch(batch)
        assert refused.value.code == "BATCH_INVALID"
    answer = desk.rpc.bills.submit_batch([{"envelope": {}}, {"envelope": {"stream": "x"}}])
    assert all("error" in result for result in answer["results"])


# -- healing, gaps and rebuild --------------------------------------------------------------


def test_an_entry_appended_straight_to_the_ledger_is_projected_and_published(
    desk, events, timeline
):
    timeline.go(6, 2)
    core, tier1, tier2, stranger = (desk.admit() for _ in range(4))
    number = desk.deliver(core, desk.admit("bank"), tier1, timeline.date(11, 2))
    version = desk.version(number)

    body = {"start": 1, "end": 25_000_000, "endorsee": tier2.party_id}
    receipt = desk.rpc.ledger.append_one(desk.wire(tier1, "bill.endorse", number, body))
    healed = wait_until(
        lambda: (bill := desk.rpc.bills.get_bill(number))["version"] == version + 1 and bill
    )
    assert healed["history"][-1]["entry_id"] == receipt["entry_id"]
    (requested,) = events.wait_for(number, 1, "endorsement_requested")
    assert requested["entry_id"] == receipt["entry_id"]

    # an entry that breaks a bill rule still holds its stream version, and changes nothing
    stray_body = {**body, "start": 25_000_001, "end": 26_000_000}
    stray = desk.wire(stranger, "bill.endorse", number, stray_body)
    desk.rpc.ledger.append_one(stray)
    wait_until(lambda: desk.rpc.bills.get_bill(number)["version"] == version + 2)
    signed = desk.submit(tier2, "bill.sign", number, start=1)["bill"]
    assert signed["ranges"][0]["holder"] == tier2.party_id
    assert signed["version"] == version + 3


def test_a_gap_in_a_stream_is_filled_from_the_ledger_before_the_later_entry(
    stack, desk, timeline, database_factory
):
    from services.bills import queries as schemas
    from services.bills.domain import Context
    from services.bills.operations import migrate
    from services.bills.projection.applying import BillsApplier
    from services.bills.tables import OUTBOX, TRACKING
    from services.common.dependencies import DatabaseHandle
    from services.common.projection.paging import stream_entries
    from services.common.projection.projector import Projection

    timeline.go(7, 1)
    core, tier1, tier2 = (desk.admit() for _ in range(3))
    number = desk.deliver(core, desk.admit("bank"), tier1, timeline.date(12, 1))
    desk.endorse(tier1, number, 1, 10_000_000, tier2)
    stream = f"bill:{number}"

    def context_for(entry):
        def kind(party_id):
            try:
                record = desk.rpc.ledger.get_party(party_id)
            except CommandRejected:
                return None
            return record["kind"] if record["admitted_sequence"] < entry.sequence else None

        return Context(entry.at, CALENDAR, kind)

    scratch = {"DATABASE_URL": database_factory("bills_scratch")}
    migrate(scratch)
    engine = create_engine(scratch["DATABASE_URL"])
    db = DatabaseHandle(engine, sessionmaker(bind=engine, expire_on_commit=False))
    read_entries = desk.rpc.ledger.read_entries
    latest = stream_entries(read_entries, stream)[-1]
    scratch_projection = Projection(
        TRACKING, OUTBOX, db, read_entries, lambda *event: None, BillsApplier(context_for)
    )
    applied = scratch_projection.project([latest])
    assert [a.entry.version for a in applied] == list(range(latest.version + 1))
    with db.transaction() as session:
        assert schemas.bill_view(session, number) == desk.rpc.bills.get_bill(number)
    engine.dispose()


def test_rebuilding_from_the_ledger_gives_identical_projections(stack, desk, timeline):
    from services.bills.tables import TRACKING, bills, history, sub_ranges

    timeline.go(3, 3)
    core, tier1, tier2 = (desk.admit() for _ in range(3))
    number = desk.deliver(core, desk.admit("bank"), tier1, timeline.date(9, 1))
    desk.endorse(tier1, number, 1, 12_345_678, tier2)
    engine = create_engine(stack.config["DATABASE_URL"])

    def snapshot():
        with engine.connect() as connection:
            tables = {
                table.name: connection.execute(
                    select(table).order_by(*table.primary_key.columns)
                ).all()
                for table in (*TRACKING.tables, history, bills, sub_ranges)
            }
        numbers = [row.package_no for row in tables["bills"]]
        return tables, [desk.rpc.bills.get_bill(n) for n in numbers]

    before_tables, before_views = snapshot()
    assert len(before_views) >= 1
    rebuilt = desk.rpc.bills.rebuild()
    after_tables, after_views = snapshot()
    engine.dispose()
    assert rebuilt["entries"] == len(before_tables["processed_entries"])
    assert after_tables == before_tables
    assert after_views == before_views
