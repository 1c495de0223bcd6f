"""The invoices service over real RabbitMQ, PostgreSQL and Redis: signed commands decided,
appended to the ledger and projected; reads behind consent; healing and rebuild from the ledger."""

from __future__ import annotations

import eventlet
import pytest
from nameko.containers import ServiceContainer
from nameko.events import event_handler
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import create_engine, select

from services.invoices.operations import migrate, rebuild
from services.invoices.service import InvoicesService
from services.invoices.tables import PROJECTION_TABLES
from tests.support.invoice_factories import random_id
from tests.support.invoices_service_harness import Desk, Party, as_refusal, codes_of

TOTAL = 113_000  # 10 units at 100.00 + 13% VAT, the harness's standard invoice


class DilutionWatch:
    """A bank's subscriber to dilution alerts, as a bank would run it."""

    name = "dilution_watch"

    @event_handler("invoices", "financing_diluted")
    def on_diluted(self, payload: dict) -> dict:
        return payload


@pytest.fixture(scope="module")
def invoices_config(ledger_config, database_factory):
    config = {**ledger_config, "DATABASE_URL": database_factory("invoices")}
    migrate(config)
    return config


@pytest.fixture(scope="module")
def invoices_service(invoices_config, ledger_service):
    container = ServiceContainer(InvoicesService, invoices_config)
    container.start()
    yield container
    container.stop()


@pytest.fixture(scope="module")
def dilution_watch(invoices_config, invoices_service):
    container = ServiceContainer(DilutionWatch, invoices_config)
    container.start()
    yield container
    container.stop()


@pytest.fixture
def desk(rpc, invoices_service) -> Desk:
    return Desk(rpc)


@pytest.fixture
def party(admit, rpc):
    def make(kind: str = "enterprise") -> Party:
        signer = admit(kind)
        return Party(signer, kind, rpc.ledger.get_party(signer.party_id)["credit_code"])

    return make


@pytest.fixture
def seller(party) -> Party:
    return party("enterprise")


@pytest.fixture
def buyer(party) -> Party:
    return party("enterprise")


@pytest.fixture
def bank(party) -> Party:
    return party("bank")


@pytest.fixture
def other_bank(party) -> Party:
    return party("bank")


def claim(desk, bank, number, amount_fen, claim_id=None, version=None) -> dict:
    body = {"number": number, "claim_id": claim_id or random_id("claim"), "amount_fen": amount_fen}
    return desk.submit(bank, "invoice.claim_financing", body, version)


def apply_for_financing(desk, sme, bank, number, amount_fen=90_000) -> tuple[str, dict]:
    financing_id = random_id("fin")
    body = {
        "financing_id": financing_id,
        "bank": bank.id,
        "invoices": [{"number": number, "amount_fen": TOTAL}],
        "amount_fen": amount_fen,
    }
    return financing_id, desk.submit(sme, "financing.apply", body)


def reason_codes(financing: dict) -> set[str]:
    return {reason["code"] for reason in financing["reasons"]}


def eventually(read, timeout: float = 10.0):
    """Poll ``read`` until it answers without a refusal (the projection heals asynchronously)."""
    deadline = eventlet.hubs.get_hub().clock() + timeout
    while True:
        try:
            return read()
        except Exception:
            if eventlet.hubs.get_hub().clock() > deadline:
                raise
            eventlet.sleep(0.1)


# -- invoice validation --------------------------------------------------------------------


def _wrong_total(body: dict) -> dict:
    return {**body, "total_fen": body["total_fen"] + 1}


def _wrong_tax(body: dict) -> dict:
    first = body["lines"][0]
    lines = [{**first, "tax_fen": first["tax_fen"] + 1}]
    return {
        **body,
        "lines": lines,
        "tax_fen": body["tax_fen"] + 1,
        "total_fen": body["total_fen"] + 1,
    }


def _unknown_rate(body: dict) -> dict:
    return {**body, "lines": [{**body["lines"][0], "tax_rate_bp": 1700}]}


def _bad_buyer_code(body: dict) -> dict:
    code = body["buyer_credit_code"]
    return {**body, "buyer_credit_code": code[:-1] + ("1" if code[-1] != "1" else "2")}


@pytest.mark.parametrize(
    ("spoil", "code"),
    [
        (_wrong_total, "INVOICE_TOTALS_MISMATCH"),
        (_wrong_tax, "INVOICE_TAX_MISMATCH"),
        (_unknown_rate, "INVOICE_UNKNOWN_TAX_RATE"),
        (_bad_buyer_code, "INVOICE_BAD_CREDIT_CODE"),
    ],
    ids=["wrong totals", "wrong tax", "unknown rate", "bad credit code"],
)
def test_an_invoice_with_wrong_figures_is_refused_with_its_code_and_nothing_is_appended(
    desk, rpc, seller, buyer, spoil, code
):
    body = spoil(desk.invoice(seller, buyer))
    assert desk.refused(seller, "invoice.issue", body).code == code
    assert rpc.ledger.stream_version(f"invoice:{body['number']}") == 0
    missing = as_refusal(lambda: rpc.invoices.get_invoice(body["number"], seller.id))
    assert missing.code == "INVOICE_NOT_FOUND"


def test_an_invoice_number_issued_twice_is_refused_as_a_duplicate(desk, rpc, seller, buyer):
    first = desk.invoice(seller, buyer)
    desk.submit(seller, "invoice.issue", first)
    second = desk.invoice(seller, buyer, quantity="5", number=first["number"])
    refused = desk.refused(seller, "invoice.issue", second, version=1)
    assert refused.code == "INVOICE_DUPLICATE_NUMBER"
    stale = desk.refused(seller, "invoice.issue", second, version=0)
    assert stale.code == "STREAM_VERSION_CONFLICT"
    assert rpc.ledger.stream_version(f"invoice:{first['number']}") == 1


def test_the_buyer_confirms_an_invoice_and_anyone_verifies_it_by_number_date_and_total(
    desk, rpc, seller, buyer
):
    body = desk.invoice(seller, buyer)
    number = body["number"]
    issued = desk.submit(seller, "invoice.issue", body)
    assert (issued["invoice"]["status"], issued["invoice"]["version"]) == ("issued", 1)
    assert issued["receipt"]["leaf"]["envelope"]["stream"] == f"invoice:{number}"
    assert desk.refused(seller, "invoice.confirm", {"number": number}).code == "INVOICE_NOT_BUYER"
    confirmed = desk.submit(buyer, "invoice.confirm", {"number": number})
    assert (confirmed["invoice"]["status"], confirmed["invoice"]["buyer"]) == (
        "confirmed",
        buyer.id,
    )
    verify = rpc.invoices.verify_invoice
    authentic = {"authentic": True, "status": "normal"}
    assert verify(number, body["issue_date"], TOTAL) == authentic
    assert verify(number, body["issue_date"], TOTAL + 1) == {"authentic": False, "status": None}


def test_a_forged_signature_is_refused_before_anything_is_decided(desk, rpc, seller, buyer):
    body = desk.invoice(seller, buyer)
    wire = desk.wire(seller, "invoice.issue", body)
    forged = {**wire, "envelope": {**wire["envelope"], "body": {**body, "total_fen": 1}}}
    refused = as_refusal(lambda: rpc.invoices.submit(forged))
    assert refused.code == "SIGNATURE_MISMATCH"
    assert rpc.ledger.stream_version(f"invoice:{body['number']}") == 0


def test_a_command_signed_for_another_stream_is_refused(desk, rpc, seller, buyer):
    body = desk.invoice(seller, buyer)
    elsewhere = f"invoice:{'0' * 20}"
    wire = seller.signer.wire("invoice.issue", elsewhere, 0, body)
    assert as_refusal(lambda: rpc.invoices.submit(wire)).code == "COMMAND_WRONG_STREAM"
    assert rpc.ledger.stream_version(elsewhere) == 0


def test_the_same_signed_command_submitted_twice_takes_effect_once(desk, rpc, seller, buyer):
    body = desk.invoice(seller, buyer)
    wire = desk.wire(seller, "invoice.issue", body)
    first = rpc.invoices.submit(wire)
    again = rpc.invoices.submit(wire)
    assert again["receipt"]["entry_id"] == first["receipt"]["entry_id"]
    assert again["receipt"]["sequence"] == first["receipt"]["sequence"]
    assert again["invoice"]["version"] == 1
    assert rpc.ledger.stream_version(f"invoice:{body['number']}") == 1


# -- the cross-bank financing registry -----------------------------------------------------


def test_an_invoice_financed_by_one_bank_is_refused_to_a_second_bank(
    desk, rpc, seller, buyer, bank, other_bank
):
    number = desk.confirmed_invoice(seller, buyer)
    desk.submit(seller, "consent.grant", {"bank": bank.id})
    claimed = claim(desk, bank, number, TOTAL)["invoice"]
    assert (claimed["status"], claimed["claimed_fen"]) == ("financed", TOTAL)
    refused = desk.refused(
        other_bank,
        "invoice.claim_financing",
        {"number": number, "claim_id": random_id("claim"), "amount_fen": 1},
    )
    assert refused.code == "INVOICE_ALREADY_FINANCED"
    assert bank.id not in str(refused.details), "a refusal never names the other bank"
    assert rpc.ledger.stream_version(f"invoice:{number}") == 3
    _, second = apply_for_financing(desk, seller, other_bank, number)
    assert second["financing"]["status"] == "ineligible"
    assert "INVOICE_ALREADY_FINANCED" in reason_codes(second["financing"])


def test_partial_claims_of_two_banks_add_up_to_at_most_the_outstanding_amount(
    desk, rpc, seller, buyer, bank, other_bank, party
):
    number = desk.confirmed_invoice(seller, buyer)
    claim(desk, bank, number, 60_000)
    body = {"number": number, "claim_id": random_id("claim"), "amount_fen": 60_000}
    too_much = desk.refused(other_bank, "invoice.claim_financing", body)
    assert too_much.code == "FINANCING_EXCEEDS_OUTSTANDING"
    amounts = {key: int(value) for key, value in too_much.details.items()}
    assert amounts == {"requested_fen": 60_000, "available_fen": TOTAL - 60_000}
    claim(desk, other_bank, number, TOTAL - 60_000)
    assert rpc.invoices.get_invoice(number, seller.id)["claimed_fen"] == TOTAL
    body = {"number": number, "claim_id": random_id("claim"), "amount_fen": 1}
    third = desk.refused(party("bank"), "invoice.claim_financing", body)
    assert third.code == "INVOICE_ALREADY_FINANCED"


def test_two_banks_racing_for_the_same_remaining_amount_let_exactly_one_win(
    desk, rpc, seller, buyer, bank, other_bank
):
    number = desk.confirmed_invoice(seller, buyer)
    stream = f"invoice:{number}"
    version = rpc.ledger.stream_version(stream)
    wires = [
        racer.signer.wire(
            "invoice.claim_financing",
            stream,
            version,
            {"number": number, "claim_id": random_id("claim"), "amount_fen": TOTAL},
        )
        for racer in (bank, other_bank)
    ]
    replies = [rpc.invoices.submit.call_async(wire) for wire in wires]
    assert sorted(codes_of(replies)) == ["OK", "STREAM_VERSION_CONFLICT"]
    assert rpc.ledger.stream_version(stream) == version + 1
    invoice = rpc.invoices.get_invoice(number, seller.id)
    assert (invoice["claimed_fen"], len(invoice["claims"])) == (TOTAL, 1)


# -- the three flows -----------------------------------------------------------------------


def test_an_invoice_without_a_goods_receipt_leaves_the_trade_partial_and_unfinanceable(
    desk, rpc, seller, buyer, bank
):
    trade_id = desk.signed_trade(seller, buyer)
    desk.ship(trade_id, seller, "10")
    number = desk.confirmed_invoice(seller, buyer, trade_id=trade_id)
    trade = rpc.invoices.get_trade(trade_id, seller.id)
    codes = {item["code"] for item in trade["match"]["discrepancies"]}
    assert (trade["match"]["status"], trade["match"]["financeable"]) == ("partial", False)
    assert {"INVOICED_AHEAD_OF_RECEIPT", "SHIPMENT_NOT_RECEIVED"} <= codes
    desk.submit(seller, "consent.grant", {"bank": bank.id})
    _, applied = apply_for_financing(desk, seller, bank, number)
    assert applied["financing"]["status"] == "ineligible"
    assert "TRADE_NOT_MATCHED" in reason_codes(applied["financing"])


def test_a_fully_matched_trade_is_financeable(desk, rpc, seller, buyer, bank):
    trade_id, number = desk.matched_trade(seller, buyer)
    trade = rpc.invoices.get_trade(trade_id, buyer.id)
    assert trade["match"] == {"status": "matched", "discrepancies": [], "financeable": True}
    assert trade["invoices"] == [number]
    desk.submit(seller, "consent.grant", {"bank": bank.id})
    _, applied = apply_for_financing(desk, seller, bank, number)
    assert (applied["financing"]["status"], applied["financing"]["reasons"]) == ("eligible", [])


def test_invoicing_beyond_the_contract_is_a_mismatch(desk, rpc, seller, buyer):
    trade_id = desk.signed_trade(seller, buyer)
    shipment = desk.ship(trade_id, seller, "10")
    desk.receive(trade_id, shipment, buyer, "10")
    desk.confirmed_invoice(seller, buyer, quantity="12", trade_id=trade_id)
    match = rpc.invoices.get_trade(trade_id, seller.id)["match"]
    assert match["status"] == "mismatched"
    over = next(d for d in match["discrepancies"] if d["code"] == "INVOICED_OVER_CONTRACT")
    assert (over["expected"], over["actual"]) == (100_000, 120_000)
    listed = {trade["trade_id"]: trade for trade in rpc.invoices.trades_of(seller.id)}
    assert listed[trade_id]["match_status"] == "mismatched"


# -- consent -------------------------------------------------------------------------------


def test_a_bank_reads_an_smes_documents_only_while_it_holds_consent(desk, rpc, seller, buyer, bank):
    trade_id, number = desk.matched_trade(seller, buyer)
    reads = {
        "invoice": lambda: rpc.invoices.get_invoice(number, bank.id),
        "trade": lambda: rpc.invoices.get_trade(trade_id, bank.id),
    }
    for read in reads.values():
        assert as_refusal(read).code == "CONSENT_REQUIRED"
    assert rpc.invoices.get_invoice(number, buyer.id)["number"] == number  # the counterparty
    granted = desk.submit(seller, "consent.grant", {"bank": bank.id})
    assert granted["consent"]["banks"] == [bank.id]
    assert reads["invoice"]()["total_fen"] == TOTAL
    assert reads["trade"]()["match"]["status"] == "matched"
    desk.submit(seller, "consent.withdraw", {"bank": bank.id})
    for read in reads.values():
        assert as_refusal(read).code == "CONSENT_REQUIRED"


# -- receivable financing end to end -------------------------------------------------------


def test_an_sme_is_financed_against_verified_trade_and_repaid_when_the_buyer_pays(
    desk, rpc, seller, buyer, bank, other_bank, record_property
):
    trade_id, number = desk.matched_trade(seller, buyer)
    desk.submit(seller, "consent.grant", {"bank": bank.id})
    financing_id, applied = apply_for_financing(desk, seller, bank, number)
    assert applied["financing"]["status"] == "eligible"
    record_property("decision_ms", applied["decision_ms"])
    assert applied["decision_ms"] < 1000, f"decided in {applied['decision_ms']} ms"
    ids = {"financing_id": financing_id}
    assert desk.submit(bank, "financing.approve", ids)["financing"]["status"] == "approved"
    claim(desk, bank, number, TOTAL, claim_id=financing_id)
    disbursal = desk.submit(bank, "financing.disburse", {**ids, "disbursement_ref": "loan-1"})
    assert disbursal["financing"]["status"] == "disbursed"
    payment = {"number": number, "payment_ref": random_id("pay"), "amount_fen": TOTAL}
    paid = desk.submit(other_bank, "invoice.record_payment", {**payment, "claim_id": financing_id})
    assert set(paid["invoice"]) == {"stream", "version"}, "the paying bank has no consent"
    repayment = {**ids, "repayment_ref": random_id("repay"), "amount_fen": 90_000}
    repaid = desk.submit(bank, "financing.record_repayment", repayment)
    assert (repaid["financing"]["status"], repaid["financing"]["repaid_fen"]) == ("repaid", 90_000)
    invoice = rpc.invoices.get_invoice(number, seller.id)
    assert (invoice["status"], invoice["outstanding_fen"], invoice["claims"]) == ("settled", 0, [])
    financing = rpc.invoices.get_financing(financing_id, bank.id)
    assert financing["decision_ms"] == applied["decision_ms"]
    listed = rpc.invoices.invoices_of(buyer.id)
    assert [(item["number"], item["status"]) for item in listed] == [(number, "settled")]
    assert [trade["trade_id"] for trade in rpc.invoices.trades_of(seller.id)] == [trade_id]


def test_a_reversal_after_financing_alerts_the_financing_bank(
    desk, seller, buyer, bank, dilution_watch
):
    number = desk.confirmed_invoice(seller, buyer)
    claim_id = random_id("claim")
    claim(desk, bank, number, TOTAL, claim_id=claim_id)
    reversal = {"number": number, "reversal_id": random_id("red"), "amount_fen": 10_000}
    requested = desk.submit(seller, "invoice.request_reversal", {**reversal, "tax_fen": 1_300})
    assert requested["invoice"]["pending_reversal"]["amount_fen"] == 10_000
    answer = {"number": number, "reversal_id": reversal["reversal_id"]}

    def for_this_invoice(worker_ctx, result, exc_info) -> bool:
        return result is not None and result["number"] == number

    with entrypoint_waiter(
        dilution_watch, "on_diluted", callback=for_this_invoice, timeout=15
    ) as alert:
        approved = desk.submit(buyer, "invoice.approve_reversal", answer)
    diluted = alert.get()
    assert diluted["entry_id"] == approved["receipt"]["entry_id"]
    assert (diluted["bank"], diluted["claim_id"]) == (bank.id, claim_id)
    assert (diluted["claim_before_fen"], diluted["claim_after_fen"]) == (TOTAL, TOTAL - 11_300)
    assert approved["invoice"]["outstanding_fen"] == TOTAL - 11_300


# -- healing and rebuild -------------------------------------------------------------------


def test_an_entry_appended_straight_to_the_ledger_is_healed_into_the_projection(
    desk, rpc, seller, buyer
):
    body = desk.invoice(seller, buyer)
    number = body["number"]
    rpc.ledger.append_one(seller.signer.wire("invoice.issue", f"invoice:{number}", 0, body))
    invoice = eventually(lambda: rpc.invoices.get_invoice(number, seller.id))
    assert (invoice["status"], invoice["version"]) == ("issued", 1)


def test_a_gap_in_the_entries_heard_is_filled_from_the_ledger(
    desk, rpc, seller, buyer, ledger_config
):
    from services.ledger.direct import append_direct
    from services.ledger.operations import ledger_settings

    body = desk.invoice(seller, buyer)
    number, stream = body["number"], f"invoice:{body['number']}"
    unheard = seller.signer.command("invoice.issue", stream, 0, body)  # no event is dispatched
    engine = create_engine(ledger_config["DATABASE_URL"])
    (outcome,) = append_direct(engine, ledger_settings(ledger_config), [unheard])
    engine.dispose()
    assert outcome.refusal is None
    rpc.ledger.append_one(buyer.signer.wire("invoice.confirm", stream, 1, {"number": number}))

    def confirmed() -> dict:
        invoice = rpc.invoices.get_invoice(number, seller.id)
        assert invoice["status"] == "confirmed"
        return invoice

    assert eventually(confirmed)["version"] == 2


def other_sessions(connection, condition: str) -> int:
    """Sessions on ``connection``'s database, besides its own, that meet ``condition``."""
    from sqlalchemy import text

    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    return connection.execute(
        text(f"{query} AND pid <> pg_backend_pid() AND {condition}")
    ).scalar_one()


def test_a_submit_holds_no_transaction_open_while_the_ledger_decides(
    desk, rpc, seller, buyer, ledger_config, invoices_config
):
    """The ledger is held up (its entries table locked) while an invoice is submitted: the
    invoices service waits on the ledger with no transaction (and no lock) of its own open."""
    from sqlalchemy import text

    wire = desk.wire(seller, "invoice.issue", desk.invoice(seller, buyer))
    ledger_db = create_engine(ledger_config["DATABASE_URL"])
    invoices_db = create_engine(invoices_config["DATABASE_URL"])
    with ledger_db.connect() as blocker, invoices_db.connect() as watcher:
        blocker.execute(text("LOCK TABLE ledger.entries IN EXCLUSIVE MODE"))
        reply = rpc.invoices.submit.call_async(wire)
        deadline = eventlet.hubs.get_hub().clock() + 10
        while not other_sessions(blocker, "wait_event_type = 'Lock'"):  # the append waits
            assert eventlet.hubs.get_hub().clock() < deadline, "the append never reached the lock"
            eventlet.sleep(0.05)
        open_transactions = other_sessions(watcher, "state LIKE 'idle in transaction%'")
        blocker.rollback()
    assert reply.result()["invoice"]["status"] == "issued"
    ledger_db.dispose()
    invoices_db.dispose()
    assert open_transactions == 0


def _snapshot(database_url: str) -> dict[str, list[tuple]]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        tables = {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in PROJECTION_TABLES
        }
    engine.dispose()
    return tables


def test_rebuilding_from_the_ledger_yields_identical_projections(
    desk, invoices_config, seller, buyer, bank
):
    _, number = desk.matched_trade(seller, buyer)
    desk.submit(seller, "consent.grant", {"bank": bank.id})
    apply_for_financing(desk, seller, bank, number)
    claim(desk, bank, number, 50_000)
    before = _snapshot(invoices_config["DATABASE_URL"])
    replayed = rebuild(invoices_config)
    after = _snapshot(invoices_config["DATABASE_URL"])
    assert replayed == len(before["processed_entries"]) > 0
    for name, rows in before.items():
        assert after[name] == rows, f"{name} differs after the rebuild"


def test_financings_racing_claims_on_their_invoices_are_decided_as_a_replay_decides_them(
    desk, rpc, invoices_config, seller, buyer, bank, other_bank
):
    """Each application pledges an invoice that another bank claims at the same moment: the
    ledger orders the two, and the assessment must see the claim exactly when the ledger put
    it first — the live decision, with no lock across streams, equals the rebuild's."""
    desk.submit(seller, "consent.grant", {"bank": bank.id})
    for _ in range(3):
        _, number = desk.matched_trade(seller, buyer)
        pledge = {"number": number, "amount_fen": TOTAL}
        body = {"financing_id": random_id("fin"), "bank": bank.id, "invoices": [pledge]}
        application = desk.wire(seller, "financing.apply", {**body, "amount_fen": 90_000})
        rival = {"number": number, "claim_id": random_id("claim"), "amount_fen": TOTAL}
        claim = desk.wire(other_bank, "invoice.claim_financing", rival)
        replies = [rpc.invoices.submit.call_async(wire) for wire in (application, claim)]
        assert codes_of(replies) == ["OK", "OK"]
    before = _snapshot(invoices_config["DATABASE_URL"])
    rebuild(invoices_config)
    after = _snapshot(invoices_config["DATABASE_URL"])
    for name, rows in before.items():
        assert after[name] == rows, f"{name} differs after the rebuild"


# -- portal reads: financing lists, the entries behind a trade, bill settlements ------------


def test_financings_are_listed_for_the_applicant_and_the_bank_only(
    desk, rpc, seller, buyer, bank, other_bank
):
    _, number = desk.matched_trade(seller, buyer)
    desk.submit(seller, "consent.grant", {"bank": bank.id})
    financing_id, _ = apply_for_financing(desk, seller, bank, number)
    for reader in (seller, bank):
        listed = rpc.invoices.financings_of(reader.id, reader.id)
        assert [f["financing_id"] for f in listed] == [financing_id]
    assert rpc.invoices.financings_of(other_bank.id, other_bank.id) == []
    assert as_refusal(lambda: rpc.invoices.financings_of(seller.id, buyer.id)).code == (
        "CONSENT_REQUIRED"
    )


def test_a_trades_events_and_a_bills_settlements_cite_their_ledger_entries(
    desk, rpc, operator, seller, buyer
):
    trade_id, number = desk.matched_trade(seller, buyer)
    bill_number = random_id("bill")
    settlement = {"number": number, "bill_number": bill_number, "amount_fen": 1_000}
    desk.submit(Party(operator, "operator", None), "invoice.record_bill_settlement", settlement)
    events = rpc.invoices.trade_events(trade_id, seller.id)
    assert [e["name"] for e in events][:2] == ["trade_contract_proposed", "trade_contract_signed"]
    assert events[-1]["name"] == "invoice_payment_recorded"
    assert rpc.ledger.get_receipt(events[-1]["entry_id"])["sequence"] == events[-1]["sequence"]
    (found,) = rpc.invoices.bill_settlements(bill_number, seller.id)
    assert (found["invoice"]["number"], found["invoice"]["trade_id"]) == (number, trade_id)
    assert rpc.invoices.bill_settlements(bill_number, random_id("ent")) == []
