"""A bank integrates with nothing but pika and the AsyncAPI document: the reference client in
examples/bank_client/ against the real ledger, bills and invoices services on a vhost of their
own, with the bank's events on its own durable quorum queue and poison messages dead-lettered.

Enterprises act through the platform's own RPC proxy (as the portal would); every bank act
goes through the pika client.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import eventlet
import pika
import pytest
import requests
from kombu import Connection

from examples.bank_client import (
    BankApiError,
    BankClient,
    BankSigner,
    DeadLetter,
    RpcTimeout,
    connection_parameters,
)
from ledger import NoteKey, generate_private_key, verify_receipt
from services.bankapi import contract, topology
from services.bills.domain.calendar import china_date
from tests.support.bills_factories import MILLION_YUAN
from tests.support.bills_service_harness import Desk
from tests.support.infrastructure import delete_vhost, private_ledger
from tests.support.invoice_factories import invoice_body, line, random_id
from tests.support.ledger_factories import Signer

INVOICE_TOTAL = 113_000  # one line: 10 units at 100.00 + 13% VAT


class WallClock:
    """Commands signed now: this stack keeps the system clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@pytest.fixture(scope="module")
def stack(ledger_config, database_factory, services, run_id, redis_prefix, operator):
    from nameko.containers import ServiceContainer
    from nameko.standalone.rpc import ClusterRpcProxy

    from services.bills.operations import migrate as migrate_bills
    from services.bills.service import BillsService
    from services.invoices.operations import migrate as migrate_invoices
    from services.invoices.service import InvoicesService
    from services.ledger.service import LedgerService

    ledger, vhost = private_ledger(
        services, ledger_config, database_factory, run_id, redis_prefix, "bankapi"
    )
    bills = {**ledger, "DATABASE_URL": database_factory("bankapi_bills")}
    bills["BILLS_TICK_SECONDS"] = 3600
    migrate_bills(bills)
    invoices = {**ledger, "DATABASE_URL": database_factory("bankapi_invoices")}
    migrate_invoices(invoices)
    containers = [
        ServiceContainer(LedgerService, ledger),
        ServiceContainer(BillsService, bills),
        ServiceContainer(InvoicesService, invoices),
    ]
    for container in containers:
        container.start()
    with ClusterRpcProxy(ledger, timeout=30) as rpc:
        yield SimpleNamespace(
            rpc=rpc,
            amqp_uri=ledger["AMQP_URI"],
            vhost=vhost,
            services=services,
            desk=Desk(rpc, WallClock(), operator),
        )
    for container in reversed(containers):
        with eventlet.Timeout(30, False):  # a worker stuck on the way out must not hang the run
            container.stop()
        container.kill()  # no-op once stopped
    delete_vhost(services, vhost)


@pytest.fixture(scope="module")
def client(stack):
    with BankClient(stack.amqp_uri, timeout=30, name="test-bank") as bank_client:
        yield bank_client


@pytest.fixture
def desk(stack) -> Desk:
    return stack.desk


@pytest.fixture
def subscriptions(client):
    opened = []

    def subscribe(routing_keys, handler, **options):
        queue = f"bank-{secrets.token_hex(4)}.events"
        subscription = client.subscribe(queue, routing_keys, handler, **options)
        opened.append(subscription)
        return subscription

    yield subscribe
    for subscription in opened:
        subscription.close()


def bank_signer(party: Signer) -> BankSigner:
    return BankSigner(party.party_id, party.key)


def delivered_bill(desk: Desk) -> tuple[str, Signer]:
    """A bill issued by a core enterprise, accepted by a bank, received by its supplier
    (today, maturing in three months); returns (package number, supplier)."""
    core, supplier, acceptor = desk.admit(), desk.admit(), desk.admit("bank")
    maturity = china_date(datetime.now(UTC)) + timedelta(days=90)
    return desk.deliver(core, acceptor, supplier, maturity), supplier


def request_discount(desk: Desk, holder: Signer, number: str, bank: Signer) -> None:
    body = {"start": 1, "end": MILLION_YUAN, "bank": bank.party_id, "rate_bp": 150}
    desk.submit(holder, "bill.discount", number, **body)


def conforms(message_key: str, payload) -> bool:
    """The live message matches docs/asyncapi.yaml (what a bank integrated from)."""
    assert contract.problems(message_key, payload) == [], message_key
    return True


def reply(result) -> dict:
    return {"result": result, "error": None}


def management_api(stack, path: str) -> dict:
    response = requests.get(f"{stack.services.rabbit_api}/{path}", timeout=10)
    response.raise_for_status()
    return response.json()


# -- a bank discounts a bill ------------------------------------------------------------------


def test_a_bank_discounts_a_bill_over_plain_amqp_and_hears_of_it_on_its_own_quorum_queue(
    stack, desk, client, subscriptions
):
    bank = desk.admit("bank")
    heard = []
    subscription = subscriptions(
        ["bills.discount_requested", "bills.bill_discounted"], lambda event: heard.append(event)
    )
    number, supplier = delivered_bill(desk)
    request_discount(desk, supplier, number, bank)

    answer = client.sign_bill_request(bank_signer(bank), number, start=1)

    bill = answer["bill"]
    assert [(r["holder"], r["status"]) for r in bill["ranges"]] == [(bank.party_id, "active")]
    assert bill["ranges"][0]["discounts"][0]["bank"] == bank.party_id
    ledger_key = NoteKey.from_vkey(client.call("ledger", "public_info")["vkey"])
    verified = verify_receipt(answer["receipt"], ledger_key, bank_signer(bank).public_key_der())
    assert verified.command.type == "bill.sign"
    bill_now = client.call("bills", "get_bill", number)
    assert bill_now["version"] == bill["version"]
    held = client.call("bills", "bills_of", bank.party_id, role="held")
    assert [h["package_no"] for h in held] == [number]
    assert conforms("bills-submit-reply", reply(answer))
    assert conforms("bills-get_bill-reply", reply(bill_now))
    assert conforms("bills-bills_of-reply", reply(held))

    ours = lambda: [e for e in heard if e.payload.get("package_no") == number]  # noqa: E731
    assert subscription.drain_until(lambda: len(ours()) == 2)
    requested, discounted = sorted(ours(), key=lambda event: event.payload["sequence"])
    assert (requested.service, requested.type) == ("bills", "discount_requested")
    assert discounted.type == "bill_discounted"
    assert discounted.payload["bank"] == bank.party_id
    assert discounted.payload["entry_id"] == answer["receipt"]["entry_id"]
    assert discounted.payload["proceeds_fen"] + discounted.payload["interest_fen"] == MILLION_YUAN
    assert all(conforms(contract.event(e.service, e.type), e.payload) for e in ours())

    queue = management_api(stack, f"queues/{stack.vhost}/{subscription.queue}")
    assert (queue["type"], queue["durable"]) == ("quorum", True)
    assert queue["arguments"]["x-delivery-limit"] == topology.DEFAULT_DELIVERY_LIMIT
    assert queue["arguments"]["x-dead-letter-exchange"] == "bankapi.dead-letter"


def test_a_bank_that_chose_sm2_signs_every_command_with_it_and_discounts_a_bill(
    stack, desk, client, subscriptions
):
    """国密: the bank rotates from the P-256 key it was admitted with to an SM2 key with its own
    distinguishing ID, then runs a whole discount with SM2 signatures over plain AMQP."""
    bank = desk.admit("bank")
    admitted = bank_signer(bank)
    sm2 = BankSigner.generate(bank.party_id, "sm2-sm3", f"{bank.party_id}@sm2".encode())
    rotated = client.rotate_key(admitted, sm2)
    assert rotated["leaf"]["envelope"]["body"]["distinguishing_id"] == f"{bank.party_id}@sm2"
    keys = {key["key_id"]: key for key in client.call("ledger", "get_party", bank.party_id)["keys"]}
    assert keys[sm2.key_id()]["alg"] == "sm2-sm3"
    assert keys[sm2.key_id()]["distinguishing_id"] == f"{bank.party_id}@sm2"
    assert keys[admitted.key_id()]["revoked_sequence"] == rotated["sequence"]

    heard = []
    subscription = subscriptions(["bills.bill_discounted"], lambda event: heard.append(event))
    number, supplier = delivered_bill(desk)
    request_discount(desk, supplier, number, bank)
    with pytest.raises(BankApiError) as refused:  # the P-256 key no longer signs for the bank
        client.sign_bill_request(admitted, number, start=1)
    assert refused.value.code == "KEY_REVOKED"

    answer = client.sign_bill_request(sm2, number, start=1)

    envelope = answer["receipt"]["leaf"]["envelope"]
    assert (envelope["alg"], answer["receipt"]["alg"]) == ("sm2-sm3", "sm2-sm3")
    assert [(r["holder"], r["status"]) for r in answer["bill"]["ranges"]] == [
        (bank.party_id, "active")
    ]
    ledger_key = NoteKey.from_vkey(client.call("ledger", "public_info")["vkey"])
    verified = verify_receipt(
        answer["receipt"],
        ledger_key,
        sm2.public_key_der(),
        signer_distinguishing_id=f"{bank.party_id}@sm2".encode(),
    )
    assert verified.command.type == "bill.sign"
    assert conforms("bills-submit-reply", reply(answer))
    assert conforms(
        "ledger-get_party-reply", reply(client.call("ledger", "get_party", bank.party_id))
    )
    ours = lambda: [e for e in heard if e.payload.get("package_no") == number]  # noqa: E731
    assert subscription.drain_until(lambda: len(ours()) == 1)
    assert ours()[0].payload["entry_id"] == answer["receipt"]["entry_id"]


def test_a_bank_finances_an_invoice_by_claiming_it_in_the_cross_bank_registry(
    stack, desk, client, subscriptions
):
    seller, buyer = desk.admit(), desk.admit()
    bank, other_bank = desk.admit("bank"), desk.admit("bank")
    codes = [stack.rpc.ledger.get_party(p.party_id)["credit_code"] for p in (seller, buyer)]
    today = china_date(datetime.now(UTC)).isoformat()
    body = invoice_body(*codes, [line()], issue_date=today)
    number, stream = body["number"], f"invoice:{body['number']}"
    stack.rpc.invoices.submit(seller.wire("invoice.issue", stream, 0, body))
    stack.rpc.invoices.submit(buyer.wire("invoice.confirm", stream, 1, {"number": number}))
    heard = []
    subscription = subscriptions(["invoices.financing_claimed"], heard.append)

    claim_id = random_id("claim")
    answer = client.claim_invoice_financing(bank_signer(bank), number, claim_id, INVOICE_TOTAL)

    assert answer["receipt"]["leaf"]["envelope"]["type"] == "invoice.claim_financing"
    assert answer["invoice"]["version"] == 3
    assert conforms("invoices-submit-reply", reply(answer))
    with pytest.raises(BankApiError) as refused:
        client.claim_invoice_financing(bank_signer(other_bank), number, random_id("claim"), 1)
    assert refused.value.code == "INVOICE_ALREADY_FINANCED"
    assert bank.party_id not in json.dumps(refused.value.details), "never names the other bank"
    assert subscription.drain_until(lambda: any(e.payload["number"] == number for e in heard))
    (claimed,) = [e.payload for e in heard if e.payload["number"] == number]
    assert conforms("invoices-financing_claimed", claimed)
    assert (claimed["bank"], claimed["claim_id"], claimed["amount_fen"]) == (
        bank.party_id,
        claim_id,
        INVOICE_TOTAL,
    )


def test_a_discount_desk_answers_discount_requests_from_the_events_alone(desk, client):
    from examples.bank_client.discount_desk import DiscountDesk

    bank = desk.admit("bank")
    counter = DiscountDesk(client, bank_signer(bank), min_rate_bp=120)
    queue = f"{bank.party_id}.discount-desk"
    keys = ["bills.discount_requested", "bills.bill_discounted"]
    subscription = client.subscribe(queue, keys, counter.on_event)
    generous, supplier = delivered_bill(desk)
    request_discount(desk, supplier, generous, bank)  # 150 bp: above the desk's minimum
    stingy, other_supplier = delivered_bill(desk)
    low = {"start": 1, "end": MILLION_YUAN, "bank": bank.party_id, "rate_bp": 80}
    desk.submit(other_supplier, "bill.discount", stingy, **low)

    assert subscription.drain_until(lambda: len(counter.answered) == 2, timeout=15)
    subscription.close()
    signed = counter.answered[(generous, 1)]
    assert signed["receipt"]["leaf"]["envelope"]["type"] == "bill.sign"
    assert signed["bill"]["ranges"][0]["holder"] == bank.party_id
    rejected = counter.answered[(stingy, 1)]
    assert rejected["receipt"]["leaf"]["envelope"]["type"] == "bill.reject"
    assert rejected["bill"]["ranges"][0]["holder"] == other_supplier.party_id


# -- stable error codes -----------------------------------------------------------------------


def _flip_signature(command: dict) -> dict:
    raw = bytearray(base64.urlsafe_b64decode(command["signature"] + "=="))
    raw[5] ^= 0x01  # inside r: still a well-formed signature, of nothing
    signature = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    return {**command, "signature": signature}


def _foreign_key(party: BankSigner) -> BankSigner:
    return BankSigner(party.party_id, generate_private_key())


def _sign(c, offset: int = 0, body: dict | None = None, signer: BankSigner | None = None):
    """The bank's answer to the pending discount, varied one way."""
    return (signer or c.bank).sign(*c.at(offset), body or {"start": 1})


MALFORMED = {"envelope": {"type": "bill.sign"}, "signature": "AA"}
NEVER_ISSUED = ("bill.sign", "bill:1" + "0" * 29, 0)

BAD_COMMANDS = [
    # (what is wrong, how the bank's command is built, the stable code)
    ("stale expected version", lambda c: _sign(c, -1), "STREAM_VERSION_CONFLICT"),
    ("version from the future", lambda c: _sign(c, +3), "STREAM_VERSION_CONFLICT"),
    ("not the counterparty", lambda c: _sign(c, signer=c.other), "BILL_NOT_COUNTERPARTY"),
    ("unknown body field", lambda c: _sign(c, body={"start": 1, "x": 1}), "BILL_FIELD_UNKNOWN"),
    ("no request on that range", lambda c: _sign(c, body={"start": 7}), "BILL_RANGE_INVALID"),
    ("tampered signature", lambda c: _flip_signature(_sign(c)), "SIGNATURE_MISMATCH"),
    ("key never registered", lambda c: _sign(c, signer=_foreign_key(c.bank)), "KEY_UNKNOWN"),
    ("envelope missing fields", lambda c: MALFORMED, "INVALID_ENVELOPE"),
    ("a bill never issued", lambda c: c.bank.sign(*NEVER_ISSUED, {"start": 1}), "BILL_NOT_FOUND"),
]


@pytest.fixture(scope="module")
def pending_discount(stack):
    """A bill whose holder asked the bank to discount it: the bank's answer is awaited."""
    desk = stack.desk
    bank, other = desk.admit("bank"), desk.admit("bank")
    number, supplier = delivered_bill(desk)
    request_discount(desk, supplier, number, bank)
    stream = f"bill:{number}"
    version = desk.version(number)
    return SimpleNamespace(
        number=number,
        stream=stream,
        version=version,
        bank=bank_signer(bank),
        other=bank_signer(other),
        at=lambda offset: ("bill.sign", stream, version + offset),
    )


@pytest.mark.parametrize(
    "build, code", [(b, c) for _, b, c in BAD_COMMANDS], ids=[w for w, _, _ in BAD_COMMANDS]
)
def test_a_bad_command_is_refused_with_a_stable_code_and_changes_nothing(
    client, pending_discount, build, code
):
    with pytest.raises(BankApiError) as refused:
        client.call("bills", "submit", build(pending_discount))

    assert refused.value.code == code, refused.value
    assert isinstance(refused.value.message, str) and isinstance(refused.value.details, dict)
    assert conforms("bills-submit-reply", client.last_reply)
    assert client.last_reply["error"]["exc_args"][0] == code
    assert client.stream_version(pending_discount.stream) == pending_discount.version
    (pending,) = client.call("bills", "range_map", pending_discount.number)
    assert pending["pending"]["type"] == "discount"


def test_after_the_refusals_the_right_command_is_accepted_once(client, pending_discount):
    command = pending_discount.bank.sign(*pending_discount.at(0), {"start": 1})
    first = client.call("bills", "submit", command)
    again = client.call("bills", "submit", command)  # a retry after a lost reply
    assert again["receipt"]["entry_id"] == first["receipt"]["entry_id"]
    assert client.stream_version(pending_discount.stream) == pending_discount.version + 1


PROTOCOL_ERRORS = [
    ("unknown method", ("bills", "discount_everything"), "METHOD_NOT_FOUND"),
    ("missing argument", ("bills", "get_bill"), "INCORRECT_ARGUMENTS"),
    ("unknown service", ("treasury", "ping"), "UNKNOWN_SERVICE"),
    ("malformed package number", ("bills", "get_bill", "12"), "BILL_FIELD_INVALID"),
    ("unknown entry", ("ledger", "get_receipt", "0" * 64), "ENTRY_NOT_FOUND"),
    ("unknown party", ("ledger", "get_party", "bank-nobody"), "PARTY_UNKNOWN"),
]


@pytest.mark.parametrize(
    "call, code", [(c, k) for _, c, k in PROTOCOL_ERRORS], ids=[w for w, _, _ in PROTOCOL_ERRORS]
)
def test_a_call_the_platform_cannot_answer_gets_a_stable_code(client, call, code):
    with pytest.raises(BankApiError) as refused:
        client.call(*call)
    assert refused.value.code == code, refused.value
    assert client.call("ledger", "ping") == "pong", "the connection stays usable"


def test_a_call_nobody_answers_times_out_and_the_request_expires_unprocessed(stack, client):
    channel = client.connection.channel()
    channel.queue_declare("rpc-sleepy", durable=True)
    channel.queue_bind("rpc-sleepy", "nameko-rpc", routing_key="sleepy.*")
    with pytest.raises(RpcTimeout) as timed_out:
        client.call_with("sleepy", "work", timeout=0.3)
    assert timed_out.value.code == "RPC_TIMEOUT"
    time.sleep(0.2)  # past the request's expiration (= the call's timeout) for sure
    assert channel.basic_get("rpc-sleepy", auto_ack=True) == (None, None, None)
    channel.queue_delete("rpc-sleepy")
    channel.close()


# -- durability and dead-lettering ------------------------------------------------------------


def _publish_event(stack, service: str, event_type: str, payload: dict) -> None:
    connection = pika.BlockingConnection(connection_parameters(stack.amqp_uri))
    properties = pika.BasicProperties(content_type="application/json", delivery_mode=2)
    body = json.dumps(payload).encode()
    connection.channel().basic_publish(f"{service}.events", event_type, body, properties)
    connection.close()


def _dead_letters(stack, subscription) -> list[tuple[dict, dict]]:
    """(payload, headers) of each parked message, taken off the dead-letter queue."""
    connection = pika.BlockingConnection(connection_parameters(stack.amqp_uri))
    channel, parked = connection.channel(), []
    while True:
        method, properties, body = channel.basic_get(subscription.dead_letter_queue, True)
        if method is None:
            break
        parked.append((json.loads(body), properties.headers))
    connection.close()
    return parked


def test_a_poison_event_is_redelivered_up_to_the_limit_then_dead_lettered(stack, subscriptions):
    deliveries = []

    def always_fails(event):
        deliveries.append(event.delivery_count)
        raise RuntimeError("this handler cannot take this event")

    subscription = subscriptions(["bills.bill_poisoned"], always_fails, delivery_limit=5)
    _publish_event(stack, "bills", "bill_poisoned", {"name": "bill_poisoned", "package_no": "1"})

    subscription.drain_until(lambda: len(deliveries) >= 6, timeout=10)
    subscription.drain(0.5)  # nothing more arrives: the broker stopped redelivering

    assert deliveries == [0, 1, 2, 3, 4, 5], "first delivery + 5 redeliveries, then parked"
    ((payload, headers),) = _dead_letters(stack, subscription)
    assert payload["name"] == "bill_poisoned"
    assert headers["x-first-death-reason"] == "delivery_limit"
    assert headers["x-first-death-queue"] == subscription.queue


def test_a_handler_dead_letters_a_message_it_can_never_process_at_once(stack, subscriptions):
    seen = []

    def refuses(event):
        seen.append(event)
        raise DeadLetter("unknown schema version")

    subscription = subscriptions(["invoices.invoice_mangled"], refuses)
    _publish_event(stack, "invoices", "invoice_mangled", {"name": "invoice_mangled"})
    subscription.drain_until(lambda: seen, timeout=10)
    subscription.drain(0.3)
    assert len(seen) == 1
    ((_, headers),) = _dead_letters(stack, subscription)
    assert headers["x-first-death-reason"] == "rejected"


def test_the_platform_topology_and_the_pika_client_declare_the_same_queue_and_replay_works(
    stack, client
):
    queue = f"bank-{secrets.token_hex(4)}.events"
    with Connection(stack.amqp_uri) as connection:
        topology.subscribe(connection, queue, ["bills.bill_replayed"])
    attempts = []

    def flaky(event):
        attempts.append(event.payload["n"])
        if len(attempts) <= 6:
            raise RuntimeError("downstream core banking system is down")

    # the client re-declares the platform's queue: any difference in arguments would fail here
    subscription = client.subscribe(queue, ["bills.bill_replayed"], flaky)
    _publish_event(stack, "bills", "bill_replayed", {"name": "bill_replayed", "n": 1})
    subscription.drain_until(lambda: len(attempts) >= 6, timeout=10)
    subscription.drain(0.3)
    with Connection(stack.amqp_uri) as connection:
        assert topology.dead_letter_depth(connection, queue) == 1
        assert topology.replay_dead_letters(connection, queue) == 1
        assert topology.dead_letter_depth(connection, queue) == 0
    assert subscription.drain_until(lambda: subscription.handled == 1, timeout=10)
    assert attempts == [1] * 7
    subscription.close()


def test_an_event_waits_in_the_durable_queue_while_the_bank_is_away(stack, client):
    queue = f"bank-{secrets.token_hex(4)}.events"
    client.subscribe(queue, ["bills.bill_waited"], lambda event: None).close()  # then offline
    _publish_event(stack, "bills", "bill_waited", {"name": "bill_waited", "on": str(date.today())})
    heard = []
    subscription = client.subscribe(queue, ["bills.bill_waited"], heard.append)
    assert subscription.drain_until(lambda: heard, timeout=10)
    assert heard[0].payload["name"] == "bill_waited"
    subscription.close()
