"""Receivable financing checked against the credit service's limit, over the real broker,
PostgreSQL and Redis: the limit is the one computed from the ledger's entries before the
application, so the live decision, a healing and a rebuild agree; a silent credit service
leaves the application on the ledger, decided once it answers.

A ledger of its own: the credit service reads every entry of the ledger it follows.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, select

from services.invoices.tables import financings
from tests.support.infrastructure import delete_vhost, private_ledger
from tests.support.invoice_factories import random_id
from tests.support.invoices_service_harness import Desk, Party, as_refusal
from tests.support.ledger_factories import admission

KINDS = ("enterprise", "enterprise", "bank")  # seller, buyer, bank
TOTAL = 113_000  # the harness's standard invoice: 10 units at 100.00 + 13% VAT


def start_stack(label, ledger_config, database_factory, services, run_id, redis_prefix, credit):
    """Ledger and invoices (credit limits on), and the credit service if ``credit``."""
    from nameko.containers import ServiceContainer
    from nameko.standalone.rpc import ClusterRpcProxy

    from services.credit.operations import migrate as migrate_credit
    from services.credit.service import CreditService
    from services.invoices.operations import migrate as migrate_invoices
    from services.invoices.service import InvoicesService
    from services.ledger.service import LedgerService

    ledger, vhost = private_ledger(
        services, ledger_config, database_factory, run_id, redis_prefix, label
    )
    invoices = {
        **ledger,
        "DATABASE_URL": database_factory(f"{label}_invoices"),
        "INVOICES_CREDIT_LIMITS": "true",
        "INVOICES_CREDIT_TIMEOUT_SECONDS": 5,
    }
    credit_config = {**ledger, "DATABASE_URL": database_factory(f"{label}_credit")}
    migrate_invoices(invoices)
    migrate_credit(credit_config)
    containers = [
        ServiceContainer(LedgerService, ledger),
        ServiceContainer(InvoicesService, invoices),
    ]
    if credit:
        containers.append(ServiceContainer(CreditService, credit_config))
    for container in containers:
        container.start()
    proxy = ClusterRpcProxy(ledger, timeout=60)
    rpc = proxy.start()

    def stop():
        proxy.stop()
        for container in reversed(containers):
            container.stop()
        delete_vhost(services, vhost)

    return SimpleNamespace(rpc=rpc, invoices=invoices), stop


@pytest.fixture(scope="module")
def stack(ledger_config, database_factory, services, run_id, redis_prefix):
    args = (ledger_config, database_factory, services, run_id, redis_prefix)
    stack, stop = start_stack("financing-credit", *args, credit=True)
    yield stack
    stop()


@pytest.fixture(scope="module")
def desk(stack) -> Desk:
    return Desk(stack.rpc)


def admitted(stack, operator, kind: str) -> Party:
    wire, signer = admission(operator, kind)
    stack.rpc.ledger.append_one(wire)
    return Party(signer, kind, stack.rpc.ledger.get_party(signer.party_id)["credit_code"])


@pytest.fixture
def party(stack, operator):
    return lambda kind="enterprise": admitted(stack, operator, kind)


def apply(desk, sme, bank, numbers, amount_fen) -> dict:
    body = {
        "financing_id": random_id("fin"),
        "bank": bank.id,
        "invoices": [{"number": number, "amount_fen": TOTAL} for number in numbers],
        "amount_fen": amount_fen,
    }
    return desk.submit(sme, "financing.apply", body)


def limit_before(stack, answer: dict) -> int:
    """The applicant's limit from the entries before its application."""
    financing, sequence = answer["financing"], answer["receipt"]["sequence"]
    return stack.rpc.credit.score_at(financing["applicant"], sequence)["limit_fen"]


def codes(financing: dict) -> set[str]:
    return {reason["code"] for reason in financing["reasons"]}


def assessments(config: dict) -> dict:
    engine = create_engine(config["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(financings)).mappings().all()
    finally:
        engine.dispose()
    return {row["financing_id"]: (row["status"], row["reasons"]) for row in rows}


def test_without_an_answer_from_credit_the_application_stays_on_the_ledger_undecided(
    ledger_config, database_factory, services, run_id, redis_prefix, operator
):
    args = (ledger_config, database_factory, services, run_id, redis_prefix)
    stack, stop = start_stack("financing-no-credit", *args, credit=False)
    try:
        desk = Desk(stack.rpc)
        seller, buyer = (
            admitted(stack, operator, "enterprise"),
            admitted(stack, operator, "enterprise"),
        )
        bank = admitted(stack, operator, "bank")
        number = desk.matched_trade(seller, buyer)[1]
        desk.submit(seller, "consent.grant", {"bank": bank.id})
        body = {
            "financing_id": random_id("fin"),
            "bank": bank.id,
            "invoices": [{"number": number, "amount_fen": TOTAL}],
            "amount_fen": 1_000,
        }
        wire = desk.wire(seller, "financing.apply", body)
        refusal = as_refusal(lambda: stack.rpc.invoices.submit(wire))
        assert refusal.code == "CREDIT_UNAVAILABLE"
        receipt = stack.rpc.ledger.get_receipt(refusal.details["entry_id"])
        assert receipt["leaf"]["envelope"]["type"] == "financing.apply", "it is on the ledger"
        again = as_refusal(lambda: stack.rpc.invoices.submit(wire))  # the same command again
        assert (again.code, again.details["entry_id"]) == (
            "CREDIT_UNAVAILABLE",
            receipt["entry_id"],
        )
        read = lambda: stack.rpc.invoices.get_financing(body["financing_id"], bank.id)  # noqa: E731
        assert as_refusal(read).code == "FINANCING_NOT_FOUND", "nothing half-decided"
    finally:
        stop()


def test_an_application_is_assessed_against_the_credit_limit_before_it_and_open_loans_use_it(
    stack, desk, party
):
    seller, buyer, bank, other_bank = party(), party(), party("bank"), party("bank")
    numbers = [desk.matched_trade(seller, buyer)[1] for _ in range(3)]
    for lender in (bank, other_bank):
        desk.submit(seller, "consent.grant", {"bank": lender.id})

    first = apply(desk, seller, bank, numbers[:1], 1_000)
    limit = limit_before(stack, first)
    assert limit >= 1_000, "three verified sales earn a limit"
    assert first["financing"]["available_credit_fen"] == limit
    assert first["financing"]["status"] == "eligible"

    # an open application uses the limit, whichever bank it went to
    over = apply(desk, seller, other_bank, numbers[1:], limit)
    available = limit_before(stack, over) - 1_000
    assert over["financing"]["available_credit_fen"] == available
    assert over["financing"]["status"] == "ineligible"
    assert codes(over["financing"]) == {"CREDIT_LIMIT_EXCEEDED"}
    within = apply(desk, seller, other_bank, numbers[1:2], min(available, TOTAL))
    assert within["financing"]["status"] == "eligible", within["financing"]["reasons"]


def test_a_rebuild_assesses_every_application_as_it_was_assessed_live(stack, desk, party):
    from services.invoices.operations import rebuild

    seller, buyer, bank = party(), party(), party("bank")
    number = desk.matched_trade(seller, buyer)[1]
    desk.submit(seller, "consent.grant", {"bank": bank.id})
    apply(desk, seller, bank, [number], TOTAL)
    apply(desk, seller, bank, [number], 500)
    before = assessments(stack.invoices)
    assert rebuild(stack.invoices) > 0
    assert assessments(stack.invoices) == before
