"""A worker killed between its projection's commit and the dispatch loses no event (SPEC §8).

Each service runs as a real ``nameko run`` process on a ledger of this module's own. Started
with ``FAULT_KILL_BEFORE_DISPATCH``, the process kills itself (SIGKILL) right after a projection
commit that added events to its outbox, before dispatching them — the worst moment for a crash.
Nothing has been dispatched then; restarted without the fault, the service's relay sends the
events. Each event delivered names an entry the ledger holds at its sequence: nothing is
dispatched that the ledger has not committed.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import eventlet
import pytest
import yaml
from sqlalchemy import create_engine, text

from services.bills.domain.calendar import china_date
from tests.support.bills_factories import MILLION_YUAN, package_no
from tests.support.infrastructure import delete_vhost, private_ledger
from tests.support.invoices_service_harness import Desk as InvoiceDesk
from tests.support.invoices_service_harness import Party
from tests.support.ledger_factories import admission
from tests.support.listeners import listener

ROOT = Path(__file__).resolve().parents[2]
HEARD = (("bills", "bill_issued"), ("invoices", "invoice_issued"))
HEARD += (("credit", "credit_alert_raised"),)


class Heard:
    def __init__(self):
        self.events: list[tuple[str, dict]] = []

    def of(self, name: str) -> list[dict]:
        return [payload for heard, payload in self.events if heard == name]

    def wait_for(self, name: str, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while not self.of(name):
            assert time.monotonic() < deadline, f"no {name} was delivered"
            eventlet.sleep(0.05)
        return self.of(name)[0]


@pytest.fixture(scope="module")
def stack(ledger_config, database_factory, services, run_id, redis_prefix, tmp_path_factory):
    from nameko.containers import ServiceContainer
    from nameko.standalone.rpc import ClusterRpcProxy

    from services.ledger.service import LedgerService

    ledger, vhost = private_ledger(
        services, ledger_config, database_factory, run_id, redis_prefix, "crash"
    )
    heard = Heard()
    containers = [
        ServiceContainer(LedgerService, ledger),
        ServiceContainer(listener("crash_listener", HEARD, heard.events), ledger),
    ]
    for container in containers:
        container.start()
    with ClusterRpcProxy(ledger, timeout=60) as rpc:
        yield SimpleNamespace(
            ledger=ledger, rpc=rpc, heard=heard, databases=database_factory,
            folder=tmp_path_factory.mktemp("crash"),
        )  # fmt: skip
    for container in reversed(containers):
        container.stop()
    delete_vhost(services, vhost)


@contextmanager
def running(stack, modules: list[str], config: dict):
    """``nameko run`` of ``modules`` with ``config``; yields the process once every service
    answers; terminated at the end unless it died."""
    path = stack.folder / f"config-{time.monotonic_ns()}.yml"
    path.write_text(yaml.safe_dump(config))
    command = [sys.executable, "-m", "nameko", "run", "--config", str(path), *modules]
    process = subprocess.Popen(command, cwd=ROOT)
    try:
        deadline = time.monotonic() + 90
        for module in modules:
            while True:
                assert process.poll() is None, f"{module} exited at start"
                try:
                    READY[module](stack.rpc)
                    break
                except Exception:  # noqa: BLE001 (still starting)
                    assert time.monotonic() < deadline, f"{module} never answered"
                    eventlet.sleep(0.2)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def died_by_its_fault(process) -> None:
    assert process.wait(timeout=60) == -signal.SIGKILL, "the fault point was not reached"


def admit(stack, kind: str = "enterprise"):
    wire, party = admission(stack.operator, kind)
    stack.rpc.ledger.append_one(wire)
    return party


def on_the_ledger(stack, payload: dict) -> bool:
    """The entry an event names (an alert: the entries it cites) is the ledger's."""
    if "entry_id" in payload:
        (held,) = stack.rpc.ledger.read_entries(payload["sequence"] - 1, 1)
        return held["entry_id"] == payload["entry_id"]
    cited = payload["entries"]
    return bool(cited) and all(stack.rpc.ledger.get_receipt(i)["entry_id"] == i for i in cited)


def outbox_rows(database_url: str, schema: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        found = connection.execute(text(f"SELECT count(*) FROM {schema}.outbox")).scalar_one()
    engine.dispose()
    return found


@pytest.fixture(scope="module", autouse=True)
def operator_of(stack, operator):
    stack.operator = operator


BILLS, INVOICES, CREDIT = (f"services.{name}.service" for name in ("bills", "invoices", "credit"))
READY = {
    BILLS: lambda rpc: rpc.bills.health(),
    INVOICES: lambda rpc: rpc.invoices.health(),
    CREDIT: lambda rpc: rpc.credit.health(),
}


@pytest.fixture(scope="module")
def config(stack):
    from services.bills.operations import migrate as migrate_bills
    from services.credit.operations import migrate as migrate_credit
    from services.invoices.operations import migrate as migrate_invoices

    settings = {
        **stack.ledger,
        "DATABASE_URL": stack.databases("crash"),  # one database, a schema per service
        "BILLS_TICK_SECONDS": 3600,
        "INVOICES_CREDIT_LIMITS": "false",
        **{f"{service}_OUTBOX_SECONDS": 1 for service in ("BILLS", "INVOICES", "CREDIT")},
    }
    for migrate in (migrate_bills, migrate_invoices, migrate_credit):
        migrate(settings)
    return settings


def crash(stack, config, module: str, act, event: str, schema: str) -> SimpleNamespace:
    """Run ``module`` with the fault and ``act``: it dies with its events in the outbox, and
    none is delivered."""
    with running(stack, [module], {**config, "FAULT_KILL_BEFORE_DISPATCH": "true"}) as process:
        act()
        died_by_its_fault(process)
    eventlet.sleep(0.5)  # anything dispatched would have arrived by now
    waiting = outbox_rows(config["DATABASE_URL"], schema)
    return SimpleNamespace(waiting=waiting, heard=stack.heard.of(event), event=event)


@pytest.fixture(scope="module")
def crashes(stack, config) -> dict:
    """Each service killed at its fault point in turn, then all three restarted in one
    process without it."""
    found = {
        "bills": crash(stack, config, BILLS, bill_issue(stack), "bill_issued", "bills"),
        "invoices": crash(
            stack, config, INVOICES, invoice_issue(stack), "invoice_issued", "invoices"
        ),
        "credit": crash(stack, config, CREDIT, dishonour(stack), "credit_alert_raised", "credit"),
    }
    with running(stack, [BILLS, INVOICES, CREDIT], config):
        yield found


def bill_issue(stack):
    drawer, payee, acceptor = admit(stack), admit(stack), admit(stack, "bank")
    number = package_no()
    today = china_date(datetime.now(UTC))
    body = {
        "package_no": number, "kind": "bank_acceptance", "acceptor": acceptor.party_id,
        "payee": payee.party_id, "amount_fen": MILLION_YUAN, "issue_date": today.isoformat(),
        "maturity_date": (today + timedelta(days=90)).isoformat(),
    }  # fmt: skip
    wire = drawer.wire("bill.issue", f"bill:{number}", 0, body)
    return lambda: stack.rpc.bills.submit.call_async(wire)


def invoice_issue(stack):
    seller, buyer = (admit(stack) for _ in range(2))
    parties = [
        Party(signer, "enterprise", stack.rpc.ledger.get_party(signer.party_id)["credit_code"])
        for signer in (seller, buyer)
    ]
    body = InvoiceDesk(stack.rpc).invoice(*parties)
    wire = seller.wire("invoice.issue", f"invoice:{body['number']}", 0, body)
    return lambda: stack.rpc.invoices.submit.call_async(wire)


def dishonour(stack):
    """An acceptor that dishonours its bill, straight on the ledger (the credit book reads what
    the ledger holds): a knockout, so an alert."""

    def act():
        acceptor, holder = admit(stack), admit(stack)
        number, today = package_no(), china_date(datetime.now(UTC))
        stream = f"bill:{number}"
        issue = {
            "package_no": number, "kind": "commercial_acceptance",
            "acceptor": acceptor.party_id, "payee": holder.party_id, "amount_fen": MILLION_YUAN,
            "issue_date": today.isoformat(),
            "maturity_date": (today + timedelta(days=30)).isoformat(),
        }  # fmt: skip
        refusal = {"start": 1, "reason": "no funds"}
        stack.rpc.ledger.append_one(acceptor.wire("bill.issue", stream, 0, issue))
        stack.rpc.ledger.append_one(holder.wire("bill.present_payment", stream, 1, {"start": 1}))
        stack.rpc.ledger.append_one(acceptor.wire("bill.dishonour", stream, 2, refusal))
        stack.acceptor = acceptor.party_id

    return act


@pytest.mark.parametrize("service", ["bills", "invoices", "credit"])
def test_a_service_killed_before_dispatching_sends_its_events_after_a_restart(
    stack, config, crashes, service
):
    crashed = crashes[service]
    assert crashed.waiting >= 1, "the events were committed with the projection"
    assert crashed.heard == [], "nothing was dispatched before the crash"
    delivered = stack.heard.wait_for(crashed.event)
    assert on_the_ledger(stack, delivered)
    if service == "credit":
        assert (delivered["party"], delivered["kind"]) == (stack.acceptor, "knockout")
    assert outbox_rows(config["DATABASE_URL"], service) == 0, "the relay emptied the outbox"
