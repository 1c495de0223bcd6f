"""No forged ``entries_committed`` moves a projection: each believes only the ledger.

A bills, an invoices and a credit service follow a ledger of this module's own, with a real
bill and a real invoice on it. Then ``entries_committed`` events are published on
``ledger.events`` as anyone with the broker's permission could publish them, naming entries
the ledger does not hold: a 50,000,000-yuan bill with a bad signature at a sequence the ledger
holds otherwise; a real holder's properly signed endorsement and signature of the real bill,
and the real buyer's confirmation of the real invoice, beyond the ledger's head; entries after
a gap in the sequences; entries out of order. Every projection is unchanged afterwards, no
event was dispatched for them, and each refusal is counted by reason.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import eventlet
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import MetaData, create_engine, select

from ledger.commands import b64encode, format_time
from services.bills.domain.calendar import china_date
from tests.support.bills_factories import MILLION_YUAN, package_no
from tests.support.infrastructure import delete_vhost, private_ledger
from tests.support.invoices_service_harness import Desk as InvoiceDesk
from tests.support.invoices_service_harness import Party
from tests.support.ledger_factories import admission
from tests.support.listeners import listener

SCHEMAS = ("bills", "invoices", "credit")
HEARD = (("bills", "bill_endorsed"), ("bills", "bill_issued"), ("invoices", "invoice_confirmed"))


@pytest.fixture(scope="module")
def stack(ledger_config, database_factory, services, run_id, redis_prefix, operator):
    from nameko.containers import ServiceContainer
    from nameko.standalone.events import event_dispatcher
    from nameko.standalone.rpc import ClusterRpcProxy

    from services.bills.operations import migrate as migrate_bills
    from services.bills.service import BillsService
    from services.credit.operations import migrate as migrate_credit
    from services.credit.service import CreditService
    from services.invoices.operations import migrate as migrate_invoices
    from services.invoices.service import InvoicesService
    from services.ledger.service import LedgerService

    ledger, vhost = private_ledger(
        services, ledger_config, database_factory, run_id, redis_prefix, "forged"
    )
    config = {
        **ledger,
        "DATABASE_URL": database_factory("forged"),
        "BILLS_TICK_SECONDS": 3600,
        "INVOICES_CREDIT_LIMITS": "false",
    }
    for migrate in (migrate_bills, migrate_invoices, migrate_credit):
        migrate(config)
    heard: list = []
    classes = (LedgerService, BillsService, InvoicesService, CreditService)
    classes += (listener("forgery_listener", HEARD, heard),)
    containers = [
        ServiceContainer(cls, ledger if cls is LedgerService else config) for cls in classes
    ]
    for container in containers:
        container.start()
    with ClusterRpcProxy(config, timeout=60) as rpc:
        yield SimpleNamespace(
            rpc=rpc, config=config, heard=heard, operator=operator,
            publish=event_dispatcher(config),
        )  # fmt: skip
    for container in reversed(containers):
        container.stop()
    delete_vhost(services, vhost)


def admit(stack, kind="enterprise"):
    wire, party = admission(stack.operator, kind)
    stack.rpc.ledger.append_one(wire)
    return party


@pytest.fixture(scope="module")
def world(stack):
    """A bill delivered to its payee, and an issued invoice, all through the services."""
    drawer, payee, third = admit(stack), admit(stack), admit(stack)
    bank = admit(stack, "bank")
    number, today = package_no(), china_date(datetime.now(UTC))
    stream = f"bill:{number}"
    issue = {
        "package_no": number, "kind": "bank_acceptance", "acceptor": bank.party_id,
        "payee": payee.party_id, "amount_fen": MILLION_YUAN, "issue_date": today.isoformat(),
        "maturity_date": (today + timedelta(days=90)).isoformat(),
    }  # fmt: skip
    steps = [
        (drawer, "bill.issue", issue),
        (drawer, "bill.present_acceptance", {}),
        (bank, "bill.accept", {}),
        (drawer, "bill.present_receipt", {}),
        (payee, "bill.receive", {}),
    ]
    for version, (signer, type, body) in enumerate(steps):
        stack.rpc.bills.submit(signer.wire(type, stream, version, body))
    seller, buyer = admit(stack), admit(stack)
    parties = [
        Party(s, "enterprise", stack.rpc.ledger.get_party(s.party_id)["credit_code"])
        for s in (seller, buyer)
    ]
    desk = InvoiceDesk(stack.rpc)
    invoice = desk.invoice(*parties)
    desk.submit(parties[0], "invoice.issue", invoice)
    head = stack.rpc.ledger.get_checkpoint()["tree_size"]
    stack.rpc.credit.score_at(payee.party_id, head)  # credit has taken every entry
    return SimpleNamespace(
        bill=number, stream=stream, drawer=drawer, payee=payee, third=third, bank=bank,
        invoice=invoice["number"], buyer=buyer, head=head,
    )  # fmt: skip


def record(command, sequence: int, **changes) -> dict:
    """A leaf record as ``entries_committed`` carries it."""
    found = {
        "sequence": sequence,
        "entry_id": command.entry_id,
        "envelope": command.envelope,
        "signature": b64encode(command.signature),
        "ledger_time": format_time(datetime.now(UTC)),
    }
    return {**found, **changes}


def forgeries(stack, world) -> list[list[dict]]:
    """The events an adversary publishes: each a list of records."""
    head, stream = world.head, world.stream
    fake_number = package_no()
    today = china_date(datetime.now(UTC))
    huge = {
        "package_no": fake_number, "kind": "bank_acceptance", "acceptor": world.bank.party_id,
        "payee": world.drawer.party_id, "amount_fen": 5_000_000_000_000,
        "issue_date": today.isoformat(), "maturity_date": (today + timedelta(days=90)).isoformat(),
    }  # fmt: skip
    forged_issue = world.drawer.command("bill.issue", f"bill:{fake_number}", 0, huge)
    bad_signature = record(forged_issue, head - 1, signature=b64encode(b"forged"))
    endorse = {"start": 1, "end": MILLION_YUAN, "endorsee": world.third.party_id}
    endorsement = world.payee.command("bill.endorse", stream, 5, endorse)
    signature = world.third.command("bill.sign", stream, 6, {"start": 1})
    confirm = world.buyer.command(
        "invoice.confirm", f"invoice:{world.invoice}", 1, {"number": world.invoice}
    )
    beyond = [record(endorsement, head), record(signature, head + 1), record(confirm, head + 2)]
    gapped = [record(endorsement, head + 10), record(signature, head + 12)]
    disordered = [record(confirm, head + 21), record(signature, head + 20)]
    return [[bad_signature], beyond, gapped, disordered]


def refused(service: str, reason: str) -> float:
    labels = {"service": service, "reason": reason}
    return REGISTRY.get_sample_value("billchain_projection_hints_refused_total", labels) or 0.0


def snapshot(config: dict) -> dict:
    engine = create_engine(config["DATABASE_URL"])
    tables = {}
    with engine.connect() as connection:
        for schema in SCHEMAS:
            metadata = MetaData(schema=schema)
            metadata.reflect(connection)
            for table in metadata.sorted_tables:
                if table.name in ("outbox", "decision_times", "sweep_marks"):  # not facts
                    continue
                query = select(table).order_by(*table.primary_key.columns)
                tables[f"{schema}.{table.name}"] = connection.execute(query).all()
    engine.dispose()
    return tables


EXPECTED = {  # (service, reason): at least this many refusals
    ("bills", "not_on_ledger"): 1,  # the forged issue, at a sequence the ledger holds
    ("bills", "beyond_head"): 2,  # the endorsement and its signature
    ("invoices", "beyond_head"): 1,  # the confirmation
    ("credit", "beyond_head"): 3,  # credit reads every entry
    **{(service, "gap"): 1 for service in SCHEMAS},
    **{(service, "out_of_order"): 1 for service in SCHEMAS},
}


def test_forged_entries_committed_move_no_projection(stack, world):
    before_tables = snapshot(stack.config)
    bill_before = stack.rpc.bills.get_bill(world.bill)
    heard_before = len(stack.heard)
    counted_before = {key: refused(*key) for key in EXPECTED}
    for records in forgeries(stack, world):
        stack.publish("ledger", "entries_committed", {"entries": records, "tree_size": 10**6})
    deadline = time.monotonic() + 20
    while any(refused(*key) - counted_before[key] < n for key, n in EXPECTED.items()):
        assert time.monotonic() < deadline, {key: refused(*key) for key in EXPECTED}
        eventlet.sleep(0.1)
    eventlet.sleep(0.5)  # a projection that believed a forgery would have written by now
    assert snapshot(stack.config) == before_tables
    assert stack.rpc.bills.get_bill(world.bill) == bill_before
    assert stack.rpc.ledger.get_checkpoint()["tree_size"] == world.head
    assert len(stack.heard) == heard_before, "nothing was dispatched for a forgery"


def test_after_forgeries_a_real_entry_is_still_projected_as_the_ledger_holds_it(stack, world):
    counted_before = {key: refused(*key) for key in EXPECTED}
    stream = world.stream
    body = {"start": 1, "end": MILLION_YUAN, "endorsee": world.third.party_id}
    receipt = stack.rpc.ledger.append_one(world.payee.wire("bill.endorse", stream, 5, body))
    deadline = time.monotonic() + 20
    while stack.rpc.bills.get_bill(world.bill)["version"] != 6:  # healed from the event
        assert time.monotonic() < deadline, "the real entry was not healed"
        eventlet.sleep(0.1)
    assert stack.rpc.bills.get_bill(world.bill)["history"][-1]["entry_id"] == receipt["entry_id"]
    assert {key: refused(*key) for key in EXPECTED} == counted_before, "a real event is believed"
