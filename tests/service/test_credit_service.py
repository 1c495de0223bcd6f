"""The credit service against the real broker, PostgreSQL and Redis, on a ledger of its own.

A small synthetic world is written to the ledger through the ledger service (its parties
admitted by the ledger's operator, the test clock moved day by day); the credit service
follows the ledger's ``entries_committed`` events. Its own ledger, because the world lives in
2030 and the ledger's time never goes back.
"""

import dataclasses
import itertools
import json
from datetime import time, timedelta
from types import SimpleNamespace

import pytest
import redis
from kombu import Connection
from nameko.events import event_handler
from sqlalchemy import create_engine, func, select

from ledger import NoteKey, sign_command, verify_checkpoint
from ledger.commands import parse_time
from services.bankapi import contract, topology
from services.common.errors import CommandRejected
from services.credit.domain.book import CreditBook
from services.credit.domain.facts import CHINA
from services.credit.domain.features import take_snapshot
from services.credit.domain.history import instants, point
from services.credit.domain.scorecard import Scorecard
from services.credit.training.world import generate_world, write_world
from tests.support.bills_service_harness import TestClock, wait_until
from tests.support.credit_factories import concerns
from tests.support.infrastructure import delete_vhost, private_ledger

SEED, SIZE, DAYS, SPLIT_DAY = 21, 30, 160, 110
COMPARED = ("party", "score", "grade", "pd", "limit", "reasons", "knockouts", "features",
            "model_version", "tree_size", "as_of")  # fmt: skip


class AlertLog:
    def __init__(self):
        self.received = []


def alert_recorder(log: AlertLog):
    class CreditAlertRecorder:
        name = "credit_alert_recorder"

        @event_handler("credit", "credit_alert_raised")
        def record(self, payload):
            log.received.append(payload)

    return CreditAlertRecorder


@pytest.fixture(scope="module")
def stack(ledger_config, database_factory, services, run_id, redis_prefix, operator):
    from nameko.containers import ServiceContainer
    from nameko.standalone.rpc import ClusterRpcProxy

    from services.credit.operations import migrate
    from services.credit.service import CreditService
    from services.ledger.service import LedgerService

    ledger, vhost = private_ledger(
        services,
        ledger_config,
        database_factory,
        run_id,
        redis_prefix,
        "credit",
        LEDGER_BLOCK_SIZE=1000,
    )
    config = {**ledger, "DATABASE_URL": database_factory("credit")}
    migrate(config)
    alerts = AlertLog()
    containers = [
        ServiceContainer(LedgerService, ledger),
        ServiceContainer(CreditService, config),
        ServiceContainer(alert_recorder(alerts), config),
    ]
    for container in containers:
        container.start()
    # a bank's own subscription, declared as docs/asyncapi.yaml says, before any alert is raised
    amqp = Connection(config["AMQP_URI"])
    bank_queue = topology.subscribe(amqp, f"bank-{run_id}.events", ["credit.credit_alert_raised"])
    client = redis.Redis.from_url(config["REDIS_URL"])
    clock = TestClock(client, f"{config['REDIS_PREFIX']}clock:now")
    engine = create_engine(config["DATABASE_URL"])
    with ClusterRpcProxy(config, timeout=60) as rpc:
        yield SimpleNamespace(
            rpc=rpc, config=config, clock=clock, alerts=alerts, redis=client, engine=engine,
            bank_queue=bank_queue,
        )  # fmt: skip
    for container in reversed(containers):
        container.stop()
    amqp.release()
    engine.dispose()
    client.close()
    delete_vhost(services, vhost)


@pytest.fixture(scope="module")
def world():
    return generate_world(SEED, SIZE, days=DAYS)


def write(stack, world, operator, commands):
    partial = dataclasses.replace(world, commands=tuple(commands))
    return write_world(
        partial,
        stack.rpc.ledger.append,
        operator_id=operator.party_id,
        operator_key=operator.key,
        set_clock=lambda moment: stack.clock.set(max(moment, stack.clock.now())),
    )


@pytest.fixture(scope="module")
def history(stack, world, operator):
    """Write the world up to SPLIT_DAY, score every SME, then write the rest."""
    cut = (world.start + timedelta(days=SPLIT_DAY)).isoformat()
    early = [c for c in world.commands if c.created_at < cut]
    write(stack, world, operator, early)
    smes = [p.party_id for p in world.parties if p.role == "sme"]
    before = {party: stack.rpc.credit.get_score(party) for party in smes}
    summary = write(stack, world, operator, world.commands)
    return SimpleNamespace(before=before, smes=smes, summary=summary, early=len(early))


def ledger_book(rpc, tree_size: int) -> CreditBook:
    book, after = CreditBook(), -1
    while after < tree_size - 1:
        page = rpc.ledger.read_entries(after, 1000)
        book.apply_all(record for record in page if record["sequence"] < tree_size)
        after = page[-1]["sequence"]
    return book


def essentials(answer: dict) -> dict:
    return {key: answer[key] for key in COMPARED} | {"root": answer["checkpoint"]["root"]}


def conforms(message_key: str, payload) -> bool:
    """The live message matches docs/asyncapi.yaml (what a bank integrates from)."""
    assert contract.problems(message_key, payload) == [], message_key
    return True


def reply(result) -> dict:
    return {"result": result, "error": None}


def test_the_whole_world_lands_on_the_ledger_after_its_first_part(world, history):
    # writing it again is harmless: what was there comes back as duplicates
    assert history.summary.duplicates == history.early + len(world.parties)
    assert history.summary.appended == len(world.commands) - history.early


def test_a_score_names_its_checkpoint_and_its_model(stack, history):
    party = history.smes[0]
    answer = stack.rpc.credit.get_score(party)
    checkpoint = stack.rpc.ledger.get_checkpoint()
    assert answer["tree_size"] == checkpoint["tree_size"] == answer["checkpoint"]["tree_size"]
    info = stack.rpc.ledger.public_info()
    verified = verify_checkpoint(answer["checkpoint"]["note"], NoteKey.from_vkey(info["vkey"]))
    assert verified.checkpoint.tree_size == answer["tree_size"]
    assert answer["checkpoint"]["root"] == answer["checkpoint"]["note"].split("\n")[2]
    assert answer["model_version"] == Scorecard.load().version
    assert answer["grade"] and 0 < answer["pd"] < 1 and answer["limit_fen"] >= 0


def test_the_service_scores_exactly_what_the_ledgers_entries_give(stack, history):
    party = history.smes[1]
    answer = stack.rpc.credit.get_score(party)
    book = ledger_book(stack.rpc, answer["tree_size"])
    snapshot = take_snapshot(book, parse_time(answer["as_of"]))
    from services.credit.domain.assessment import assess

    local = assess(snapshot, party, Scorecard.load()).to_dict()
    assert {k: answer[k] for k in local} == local


def test_every_reason_cites_entries_on_the_ledger_that_concern_the_party(stack, history):
    checked = 0
    for party in history.smes[:12]:
        answer = stack.rpc.credit.get_score(party)
        book = ledger_book(stack.rpc, answer["tree_size"])
        assert len(answer["reasons"]) <= 4
        for reason in answer["reasons"]:
            assert reason["entries"]
            signed_streams = set()
            receipts = [stack.rpc.ledger.get_receipt(e) for e in reason["entries"]]
            for receipt in receipts:
                if receipt["leaf"]["envelope"]["signer"] == party:
                    signed_streams.add(receipt["leaf"]["envelope"]["stream"])
            buyers = {book.invoices[n].buyer for n in book.parties[party].sales}
            for receipt in receipts:
                record = receipt["leaf"]
                assert receipt["sequence"] < answer["tree_size"]
                about = concerns(record, party, book) or record["envelope"]["stream"] in (
                    signed_streams
                )
                if reason["code"] == "DISTRESSED_BUYERS":
                    about = about or any(concerns(record, b, book) for b in buyers if b)
                assert about, (party, reason["code"], record["envelope"]["type"])
                checked += 1
    assert checked > 0


def test_a_score_recomputed_at_its_checkpoint_is_unchanged_after_more_entries(stack, history):
    moved = 0
    for party in history.smes[:10]:
        before = history.before[party]
        again = stack.rpc.credit.score_at(party, before["tree_size"])
        assert essentials(again) == essentials(before)
        now = stack.rpc.credit.get_score(party)
        assert now["tree_size"] > before["tree_size"]
        moved += now["score"] != before["score"]
    assert moved > 0  # the later entries did change scores: the checkpoint pinned them


def test_a_score_history_runs_in_ledger_order_from_admission_to_the_latest_score(stack, history):
    party = history.smes[3]
    answer = stack.rpc.credit.score_history(party)
    points = answer["points"]
    assert answer["party"] == party and answer["model_version"] == Scorecard.load().version
    assert 3 <= len(points) <= 12  # 160 days of trade leave round instants to sample
    sizes = [p["tree_size"] for p in points]
    assert sizes == sorted(set(sizes))
    assert [p["as_of"] for p in points] == sorted(p["as_of"] for p in points)
    (admission,) = stack.rpc.ledger.read_entries(-1, 1, f"party:{party}")
    assert sizes[0] == admission["sequence"] + 1
    latest = stack.rpc.credit.get_score(party)
    assert latest["tree_size"] == sizes[-1]
    assert point(latest) == points[-1]
    assert len({p["score"] for p in points}) > 1  # the score did move over the year


def test_every_history_point_is_the_score_at_its_tree_size(stack, history):
    party = history.smes[4]
    points = stack.rpc.credit.score_history(party, 6)["points"]
    assert len(points) <= 6
    answers = [stack.rpc.credit.score_at(party, p["tree_size"]) for p in points]
    assert [point(answer) for answer in answers] == points
    # the history filled score_at's cache; score_at computing on its own agrees with it
    oldest = answers[0]
    version = Scorecard.load().version
    key = f"{stack.config['REDIS_PREFIX']}credit:score_at:{party}:{oldest['tree_size']}:{version}"
    assert stack.redis.delete(key) == 1
    assert stack.rpc.credit.score_at(party, oldest["tree_size"]) == oldest


def test_the_answers_are_the_ones_the_bank_message_api_documents(stack, history):
    for party in history.smes:
        assert conforms("credit-get_score-reply", reply(stack.rpc.credit.get_score(party)))
    party = history.smes[6]
    past = stack.rpc.credit.score_history(party)
    assert conforms("credit-score_history-reply", reply(past))
    for size in {past["points"][0]["tree_size"], history.before[party]["tree_size"]}:
        assert conforms("credit-score_at-reply", reply(stack.rpc.credit.score_at(party, size)))
    assert conforms("credit-model_info-reply", reply(stack.rpc.credit.model_info()))


def test_a_score_history_read_from_the_cache_is_the_one_first_computed(stack, history):
    party = history.smes[5]
    first = stack.rpc.credit.score_history(party)
    again = stack.rpc.credit.score_history(party)
    assert again == first


@pytest.mark.parametrize(
    ("days", "most", "step"),
    [(160, 10, timedelta(days=21)), (60, 10, timedelta(days=7)), (1, 10, timedelta(hours=3)),
     (0.0001, 10, timedelta(seconds=1)), (160, 24, timedelta(days=7))],
)  # fmt: skip
def test_history_instants_are_round_and_no_more_than_asked(days, most, step):
    end = parse_time("2031-06-03T02:00:00.000000Z")
    start = end - timedelta(days=days)
    found = instants(start, end, most)
    assert 0 < len(found) <= most and start < found[0] and found[-1] <= end
    assert {b - a for a, b in itertools.pairwise(found)} == {step}
    if step >= timedelta(days=1):
        assert all(i.astimezone(CHINA).time() == time() for i in found)  # midnights in China


def test_a_dishonour_raises_a_credit_alert_citing_it(stack, world, history):
    core = next(p for p in world.parties if p.role == "core")
    supplier = next(p for p in world.parties if p.role == "sme")
    start = world.start + timedelta(days=DAYS + 5)
    package = "9" + f"{SEED:05d}".rjust(29, "0")
    stream = f"bill:{package}"
    stack.clock.set(parse_time(f"{start.isoformat()}T02:00:00.000000Z"))
    maturity = start + timedelta(days=30)
    issue = {"package_no": package, "kind": "commercial_acceptance", "acceptor": core.party_id,
             "payee": supplier.party_id, "amount_fen": 5_000_000,
             "issue_date": start.isoformat(), "maturity_date": maturity.isoformat(),
             "supply_chain": True}  # fmt: skip
    steps = [(core, "bill.issue", issue), (core, "bill.present_acceptance", {}),
             (core, "bill.accept", {}), (core, "bill.present_receipt", {}),
             (supplier, "bill.receive", {})]  # fmt: skip
    sign(stack, stream, steps)
    stack.clock.set(parse_time(f"{maturity.isoformat()}T02:00:00.000000Z"))
    present = [(supplier, "bill.present_payment", {"start": 1})]
    sign(stack, stream, present)
    (receipt,) = sign(stack, stream, [(core, "bill.dishonour", {"start": 1, "reason": "no funds"})])

    def alert():
        received = stack.alerts.received
        return [a for a in received if a["party"] == core.party_id and a["kind"] == "knockout"]

    (raised,) = wait_until(alert, timeout=30)
    assert conforms("credit-credit_alert_raised", raised)
    assert raised["kind"] == "knockout" and "KO_DISHONOUR" in raised["knockouts"]
    assert receipt["entry_id"] in raised["entries"]
    assert receipt["entry_id"] in raised["reasons"][0]["entries"]
    assert raised["previous"]["grade"] != "KO" and raised["current"]["grade"] == "KO"
    answer = stack.rpc.credit.get_score(core.party_id)
    assert answer["grade"] == "KO" and answer["limit_fen"] == 0
    assert receipt["entry_id"] in answer["reasons"][0]["entries"]


def test_a_bank_hears_credit_alerts_on_its_own_quorum_queue(stack, history):
    """``credit.credit_alert_raised`` binds a bank's subscription queue to exchange
    ``credit.events``: every alert raised reaches it, as the document describes it."""
    raised = {(a["party"], a["tree_size"], a["kind"]) for a in stack.alerts.received}
    assert raised  # the world's later entries did sink some scores
    heard = {}

    def drained():
        while (message := stack.bank_queue.get(no_ack=False, accept=None)) is not None:
            info = message.delivery_info
            assert info["exchange"] == "credit.events"
            assert info["routing_key"] == "credit_alert_raised"
            assert message.content_type == "application/x-orjson"
            payload = json.loads(message.body)
            assert conforms("credit-credit_alert_raised", payload)
            heard[(payload["party"], payload["tree_size"], payload["kind"])] = payload
            message.ack()
        return raised <= set(heard)

    assert wait_until(drained, timeout=10)


def sign(stack, stream, steps):
    """Each party signs its step at the test clock; the ledger appends it."""
    receipts = []
    for party, type, body in steps:
        version = stack.rpc.ledger.stream_version(stream)
        command = sign_command(
            party.key, type=type, stream=stream, expected_version=version,
            signer=party.party_id, body=body, created_at=stack.clock.now(),
        )  # fmt: skip
        receipts.append(stack.rpc.ledger.append_one(command.to_wire()))
    return receipts


def test_new_entries_invalidate_the_cached_score(stack, world, history):
    party = history.smes[2]
    key = f"{stack.config['REDIS_PREFIX']}credit:score:{party}"
    stack.rpc.credit.get_score(party)
    assert stack.redis.exists(key)
    bank = next(p for p in world.parties if p.role == "bank")
    programme = {"programme_id": f"p-{party}", "anchor": party, "limit_fen": 100}
    sign(stack, f"programme:p-{party}", [(bank, "programme.open", programme)])
    wait_until(lambda: not stack.redis.exists(key), timeout=20)


def test_redelivered_entries_change_nothing(stack, history):
    from nameko.standalone.events import event_dispatcher

    from services.credit.tables import TRACKING, entries

    def state():
        with stack.engine.connect() as connection:
            return (
                connection.scalar(select(func.count()).select_from(entries)),
                connection.scalar(select(TRACKING.positions.c.version)),
            )

    stack.rpc.credit.get_score(history.smes[0])  # caught up with the ledger
    before = state()
    page = stack.rpc.ledger.read_entries(-1, 300)
    dispatch = event_dispatcher(stack.config)
    dispatch("ledger", "entries_committed", {"entries": page, "tree_size": 300})
    stack.rpc.credit.model_info()  # the broker is FIFO per queue; give the handler a moment
    wait_until(lambda: state() == before or None, timeout=5)
    assert state() == before


@pytest.mark.parametrize(
    "call, code",
    [
        (lambda rpc, world: rpc.credit.get_score("ent-nobody"), "CREDIT_PARTY_UNKNOWN"),
        (
            lambda rpc, world: rpc.credit.get_score(
                next(p.party_id for p in world.parties if p.role == "bank")
            ),
            "CREDIT_PARTY_NOT_SCORED",
        ),
        (lambda rpc, world: rpc.credit.score_at("ent-x", 0), "CREDIT_TREE_SIZE_INVALID"),
        (lambda rpc, world: rpc.credit.score_at("ent-x", 10**9), "CREDIT_TREE_SIZE_INVALID"),
        (lambda rpc, world: rpc.credit.score_at("ent-x", "12"), "CREDIT_TREE_SIZE_INVALID"),
        (lambda rpc, world: rpc.credit.score_history("ent-nobody"), "CREDIT_PARTY_UNKNOWN"),
        (
            lambda rpc, world: rpc.credit.score_history(
                next(p.party_id for p in world.parties if p.role == "bank")
            ),
            "CREDIT_PARTY_NOT_SCORED",
        ),
        (lambda rpc, world: rpc.credit.score_history("ent-x", 1), "CREDIT_POINTS_INVALID"),
        (lambda rpc, world: rpc.credit.score_history("ent-x", 25), "CREDIT_POINTS_INVALID"),
        (lambda rpc, world: rpc.credit.score_history("ent-x", "12"), "CREDIT_POINTS_INVALID"),
        (lambda rpc, world: rpc.credit.score_history("ent-x", True), "CREDIT_POINTS_INVALID"),
        (lambda rpc, world: rpc.credit.get_score(["ent-x"]), "CREDIT_PARTY_INVALID"),
        (lambda rpc, world: rpc.credit.get_score({"party": "x"}), "CREDIT_PARTY_INVALID"),
        (lambda rpc, world: rpc.credit.get_score("ent x\n"), "CREDIT_PARTY_INVALID"),
        (lambda rpc, world: rpc.credit.score_at(None, 5), "CREDIT_PARTY_INVALID"),
        (lambda rpc, world: rpc.credit.score_history("x" * 65), "CREDIT_PARTY_INVALID"),
    ],
)
def test_bad_requests_are_refused_with_a_stable_code(stack, world, history, call, code):
    with pytest.raises(CommandRejected) as caught:
        call(stack.rpc, world)
    assert caught.value.code == code
