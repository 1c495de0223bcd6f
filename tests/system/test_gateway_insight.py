"""The portal's routes beyond the bills, over HTTP against the real ledger, bills, invoices and
credit services: trades and their three flows, public invoice verification, financing
applications, the credit score with its reasons and its history, the ledger explorer and the
regulator's trace.

Each user reads only what their party takes part in; a regulator reads across parties; every
refusal is a 4xx with a stable code, never a 500. The last test drives the same views in
headless Chromium (tests/gateway_browser_insight.py) and saves screenshots.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ledger import NoteKey, verify_checkpoint, verify_receipt
from ledger.commands import b64decode
from ledger.witness import run_once
from services.gateway.insight import holders_of, latest_height, transfers_of
from tests.support.bills_service_harness import wait_until
from tests.support.gateway_harness import PASSWORD, Portal, error_code
from tests.support.insight_harness import TOTAL, build_supply_chain, start_insight_stack
from tests.support.ledger_factories import admission

ROOT = Path(__file__).resolve().parents[2]
# var/screenshots/ (not committed); `make screenshots` writes docs/screenshots/ instead
SHOTS = Path(os.environ.get("BILLCHAIN_SCREENSHOTS") or ROOT / "var" / "screenshots")
ABSENT_ENTRY = "0" * 64


@pytest.fixture(scope="module")
def stack(ledger_config, database_factory, services, run_id, redis_prefix, operator):
    stack, stop = start_insight_stack(
        "insight", ledger_config, database_factory, services, run_id, redis_prefix, operator
    )
    yield stack
    stop()


@pytest.fixture(scope="module")
def chain(stack, operator):
    return build_supply_chain(stack, operator)


@pytest.fixture(scope="module")
def witness(stack, chain, operator, tmp_path_factory):
    """A bank that has cosigned the checkpoint covering the chain, as a witness does."""
    wire, bank = admission(operator, "bank")
    stack.rpc.ledger.append_one(wire)
    vkey = stack.rpc.ledger.public_info()["vkey"]
    state = tmp_path_factory.mktemp("witness") / "state.json"
    run_once(stack.rpc, state, bank.party_id, bank.key, vkey)
    return bank


def signed_in(stack, username: str) -> Portal:
    portal = Portal(stack.url)
    assert portal.login(username).status_code == 200
    return portal


@pytest.fixture(scope="module")
def sme(stack, chain) -> Portal:
    return signed_in(stack, chain.users.sme)


@pytest.fixture(scope="module")
def bank(stack, chain) -> Portal:
    return signed_in(stack, chain.users.bank)


@pytest.fixture(scope="module")
def regulator(stack, chain) -> Portal:
    return signed_in(stack, chain.users.regulator)


@pytest.fixture(scope="module")
def stranger(stack, chain) -> Portal:
    return signed_in(stack, chain.users.stranger)


def refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert error_code(response) == code


def first_entry(stack, stream: str) -> str:
    return stack.rpc.ledger.read_entries(-1, 1, stream)[0]["entry_id"]


# -- sign-in is required (except for public verification) --------------------------------

SESSION_ROUTES = [
    "/api/v1/trades",
    "/api/v1/trades/trade-1/flows",
    "/api/v1/financings",
    "/api/v1/financings/fin-1",
    "/api/v1/credit",
    "/api/v1/credit/history",
    "/api/v1/ledger/blocks",
    f"/api/v1/ledger/entries/{ABSENT_ENTRY}",
    "/api/v1/trace/bills/123",
]


@pytest.mark.parametrize("path", SESSION_ROUTES)
def test_every_insight_read_needs_a_session(stack, path):
    refused(Portal(stack.url).get(path), 401, "UNAUTHENTICATED")


# -- trades and the three flows ------------------------------------------------------------


def test_the_sme_lists_its_trades_with_their_match_status(chain, sme):
    trades = {t["trade_id"]: t for t in sme.get("/api/v1/trades").json()["trades"]}
    assert trades[chain.matched_trade]["match_status"] == "matched"
    assert trades[chain.partial_trade]["match_status"] != "matched"


def test_a_trades_flows_show_goods_invoices_and_funds_with_their_entries(chain, sme):
    answer = sme.get(f"/api/v1/trades/{chain.matched_trade}/flows").json()
    assert answer["trade"]["match"]["status"] == "matched"
    names = [event["name"] for event in answer["events"]]
    for name in ("trade_contract_signed", "shipment_dispatched", "goods_received"):
        assert name in names  # goods and information: contract, shipment, receipt
    assert "invoice_issued" in names and "invoice_confirmed" in names
    payment = next(e for e in answer["events"] if e["name"] == "invoice_payment_recorded")
    assert (payment["payload"]["method"], payment["payload"]["reference"]) == ("bill", chain.bill)
    sequences = [event["sequence"] for event in answer["events"]]
    assert sequences == sorted(sequences) and all(
        len(e["entry_id"]) == 64 for e in answer["events"]
    )


def test_a_partly_delivered_trade_lists_its_discrepancies(chain, sme):
    match = sme.get(f"/api/v1/trades/{chain.partial_trade}/flows").json()["trade"]["match"]
    assert match["status"] in ("partial", "mismatched")
    assert {"SHIPMENT_NOT_RECEIVED"} <= {d["code"] for d in match["discrepancies"]}


@pytest.mark.parametrize(
    ("trade", "status", "code"),
    [
        ("matched", 403, "CONSENT_REQUIRED"),
        ("trade-nobody-made", 404, "TRADE_NOT_FOUND"),
        ("bad id!", 422, "VALIDATION_FAILED"),
    ],
)
def test_a_stranger_or_a_bad_trade_is_refused(chain, stranger, trade, status, code):
    trade_id = chain.matched_trade if trade == "matched" else trade
    refused(stranger.get(f"/api/v1/trades/{trade_id}/flows"), status, code)


def test_the_stranger_has_no_trades(stranger):
    assert stranger.get("/api/v1/trades").json() == {"trades": []}


# -- public verification (查验) --------------------------------------------------------------


def test_anyone_can_verify_an_invoice_by_number_date_and_total(stack, chain):
    invoice = stack.rpc.invoices.get_invoice(chain.invoice, chain.sme.id)
    query = {"number": chain.invoice, "issue_date": invoice["issue_date"], "total_fen": TOTAL}
    answer = Portal(stack.url).get("/api/v1/invoices/verify", params=query)
    assert answer.json() == {"authentic": True, "status": "normal"}
    forged = Portal(stack.url).get("/api/v1/invoices/verify", params={**query, "total_fen": 1})
    assert forged.json()["authentic"] is False


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({}, "INVALID_QUERY"),
        ({"number": "1" * 20, "issue_date": "2026-11-22", "total_fen": "12.5"}, "INVALID_QUERY"),
        ({"number": "1" * 20, "issue_date": "2026-11-22", "total_fen": "-1"}, "INVALID_QUERY"),
        ({"number": "12", "issue_date": "2026-11-22", "total_fen": "1"}, "COMMAND_BODY_INVALID"),
        ({"number": "1" * 20, "issue_date": "yesterday", "total_fen": "1"}, "COMMAND_BODY_INVALID"),
    ],
)
def test_a_malformed_verification_is_a_422(stack, query, code):
    refused(Portal(stack.url).get("/api/v1/invoices/verify", params=query), 422, code)


# -- financing applications ----------------------------------------------------------------


def test_the_sme_and_its_bank_see_the_application_and_its_assessment(chain, sme, bank):
    for portal in (sme, bank):
        found = {
            f["financing_id"]: f for f in portal.get("/api/v1/financings").json()["financings"]
        }
        assert found[chain.financing_id]["status"] == "eligible"
    one = sme.get(f"/api/v1/financings/{chain.financing_id}").json()
    assert one["pledges"] == [{"number": chain.invoice, "amount_fen": TOTAL}]
    assert one["decision_ms"] is not None


def test_a_stranger_sees_no_application_and_may_not_open_one(chain, stranger):
    assert stranger.get("/api/v1/financings").json() == {"financings": []}
    refused(stranger.get(f"/api/v1/financings/{chain.financing_id}"), 403, "CONSENT_REQUIRED")


@pytest.mark.parametrize(
    ("financing_id", "status", "code"),
    [("fin-unknown", 404, "FINANCING_NOT_FOUND"), ("bad id!", 422, "VALIDATION_FAILED")],
)
def test_an_unknown_or_malformed_application_is_refused(sme, financing_id, status, code):
    refused(sme.get(f"/api/v1/financings/{financing_id}"), status, code)


def test_an_application_signed_for_the_sme_goes_through_the_command_route(stack, chain, sme):
    from tests.support.invoice_factories import random_id
    from tests.support.invoices_service_harness import Desk

    financing_id = random_id("fin")
    body = {
        "financing_id": financing_id,
        "bank": chain.bank.id,
        "invoices": [{"number": chain.invoice, "amount_fen": 1_000}],
        "amount_fen": 1_000,
    }
    wire = Desk(stack.rpc).wire(chain.sme, "financing.apply", body)
    answer = sme.post("/api/v1/commands", json=wire)
    assert answer.status_code == 200, answer.text
    assert answer.json()["financing"]["financing_id"] == financing_id
    listed = [f["financing_id"] for f in sme.get("/api/v1/financings").json()["financings"]]
    assert financing_id in listed
    stream = f"financing:{random_id('fin')}"
    bad = chain.sme.signer.wire("financing.apply", stream, 0, {**body, "amount_fen": "lots"})
    refused(sme.post("/api/v1/commands", json=bad), 422, "COMMAND_BODY_INVALID")


# -- credit --------------------------------------------------------------------------------


def test_the_sme_sees_its_score_with_reasons_whose_entries_it_may_open(stack, sme):
    score = sme.get("/api/v1/credit").json()
    assert score["grade"] and score["limit_fen"] >= 0 and score["reasons"]
    ledger_key = NoteKey.from_vkey(sme.get("/api/v1/ledger/info").json()["vkey"])
    for entry_id in {e for reason in score["reasons"] for e in reason["entries"]}:
        receipt = sme.get(f"/api/v1/ledger/entries/{entry_id}")
        assert receipt.status_code == 200, receipt.text
        signer = receipt.json()["leaf"]["envelope"]["signer"]
        key = b64decode(stack.rpc.ledger.get_party(signer)["keys"][0]["public_key"])
        assert verify_receipt(receipt.json(), ledger_key, key).entry_id == entry_id


def test_the_sme_sees_its_own_score_history_ending_at_the_score_of_its_checkpoint(
    stack, chain, sme
):
    history = sme.get("/api/v1/credit/history").json()
    assert history["party"] == chain.sme.id
    points = history["points"]
    assert 1 < len(points) <= 12
    sizes = [p["tree_size"] for p in points]
    assert sizes == sorted(set(sizes))
    (admission,) = stack.rpc.ledger.read_entries(-1, 1, f"party:{chain.sme.id}")
    assert sizes[0] == admission["sequence"] + 1
    last = points[-1]
    at_checkpoint = stack.rpc.credit.score_at(chain.sme.id, last["tree_size"])
    assert {key: at_checkpoint[key] for key in last} == last
    fewer = sme.get("/api/v1/credit/history", params={"points": "2"}).json()["points"]
    assert len(fewer) <= 2 and fewer[0]["tree_size"] == sizes[0]


@pytest.mark.parametrize("path", ["/api/v1/credit", "/api/v1/credit/history"])
def test_a_bank_has_no_score(bank, path):
    refused(bank.get(path), 422, "CREDIT_PARTY_NOT_SCORED")


@pytest.mark.parametrize("points", ["1", "25", "twelve", "-3"])
def test_a_bad_number_of_history_points_is_a_422(sme, points):
    refused(sme.get("/api/v1/credit/history", params={"points": points}), 422, "INVALID_QUERY")


# -- the ledger explorer -------------------------------------------------------------------


def test_recent_blocks_come_newest_first_and_page_backwards(stack, operator, sme):
    wait_until(lambda: stack.rpc.ledger.read_blocks(-1, 1))  # the stack's entries are sealed
    sealed = latest_height(stack.rpc.ledger.read_blocks)
    wire, _ = admission(operator)  # one more entry, so that another block is sealed after them
    stack.rpc.ledger.append_one(wire)
    wait_until(lambda: stack.rpc.ledger.read_blocks(sealed, 1))
    latest = sme.get("/api/v1/ledger/blocks").json()
    heights = [block["header"]["height"] for block in latest["blocks"]]
    assert heights == sorted(heights, reverse=True) and heights[0] == latest["before"] - 1
    older = sme.get("/api/v1/ledger/blocks", params={"before": heights[0], "limit": 1}).json()
    assert [block["header"]["height"] for block in older["blocks"]] == [heights[0] - 1]


def test_the_witnessed_checkpoint_carries_the_keys_that_check_its_cosignature(
    stack, operator, witness, sme
):
    witnessed = sme.get("/api/v1/ledger/checkpoint", params={"witnessed": "true"})
    assert witnessed.status_code == 200
    checkpoint = witnessed.json()
    vkeys = checkpoint["witnesses"][witness.party_id]
    assert [NoteKey.from_vkey(v) for v in vkeys] == [NoteKey.of(witness.party_id, witness.key)]
    ledger_key = NoteKey.from_vkey(sme.get("/api/v1/ledger/info").json()["vkey"])
    verified = verify_checkpoint(
        checkpoint["note"], ledger_key, [NoteKey.from_vkey(v) for v in vkeys], min_cosignatures=1
    )
    assert verified.cosigners() == {witness.party_id}
    stack.rpc.ledger.append_one(admission(operator)[0])  # the latest checkpoint moves past it
    latest = sme.get("/api/v1/ledger/checkpoint").json()
    assert latest["tree_size"] > checkpoint["tree_size"] and latest["witnesses"] == {}
    again = sme.get("/api/v1/ledger/checkpoint", params={"witnessed": "true"}).json()
    assert again["tree_size"] == checkpoint["tree_size"]


def test_a_bad_witnessed_flag_is_a_422(sme):
    refused(sme.get("/api/v1/ledger/checkpoint", params={"witnessed": "yes"}), 422, "INVALID_QUERY")


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"before": "x"}])
def test_a_bad_block_query_is_a_422(sme, query):
    refused(sme.get("/api/v1/ledger/blocks", params=query), 422, "INVALID_QUERY")


@pytest.mark.parametrize(
    ("found", "expected"), [(0, -1), (1, 0), (2, 1), (5, 4), (64, 63), (1000, 999)]
)
def test_the_latest_block_height_is_found_by_bisection(found, expected):
    def read_blocks(after, limit):
        return [{"height": after + 1}] if after + 1 < found else []

    assert latest_height(read_blocks) == expected


def test_a_party_opens_entries_on_streams_it_takes_part_in(stack, chain, sme, regulator):
    contract = first_entry(stack, f"trade:{chain.matched_trade}")  # signed by the buyer
    bill_issue = first_entry(stack, f"bill:{chain.bill}")  # signed by the drawer
    for entry_id in (contract, bill_issue):
        assert sme.get(f"/api/v1/ledger/entries/{entry_id}").status_code == 200
        assert regulator.get(f"/api/v1/ledger/entries/{entry_id}").status_code == 200


@pytest.mark.parametrize(
    ("stream", "code"),
    [("trade", "CONSENT_REQUIRED"), ("bill", "PARTY_MISMATCH"), ("party", "PARTY_MISMATCH")],
)
def test_a_stranger_may_not_open_other_parties_entries(stack, chain, stranger, stream, code):
    key = {"trade": chain.matched_trade, "bill": chain.bill, "party": chain.sme.id}[stream]
    entry_id = first_entry(stack, f"{stream}:{key}")
    refused(stranger.get(f"/api/v1/ledger/entries/{entry_id}"), 403, code)


@pytest.mark.parametrize(
    ("entry_id", "status", "code"),
    [(ABSENT_ENTRY, 404, "ENTRY_NOT_FOUND"), ("ABC", 422, "VALIDATION_FAILED")],
)
def test_an_unknown_or_malformed_entry_id_is_refused(sme, entry_id, status, code):
    refused(sme.get(f"/api/v1/ledger/entries/{entry_id}"), status, code)


# -- the regulator's trace -----------------------------------------------------------------


def test_a_regulator_traces_a_bill_to_its_holders_invoices_and_trades(chain, regulator):
    trace = regulator.get(f"/api/v1/trace/bills/{chain.bill}").json()
    assert trace["bill"]["package_no"] == chain.bill and trace["bill"]["history"]
    assert trace["holders"] == [chain.sme.id, chain.endorsee.id]
    assert [s["invoice"]["number"] for s in trace["settlements"]] == [chain.invoice]
    trades = {trade["trade_id"]: trade for trade in trace["trades"]}
    assert {link["by"] for link in trades[chain.matched_trade]["links"]} == {
        "parties",
        "bill_settlement",
    }
    partial = [link["by"] for link in trades[chain.partial_trade]["links"]]
    assert partial == ["parties"]  # core bought from the SME, the bill went core → SME


@pytest.mark.parametrize("user", ["sme", "bank", "stranger"])
def test_nobody_but_a_regulator_may_trace(stack, chain, user):
    portal = signed_in(stack, getattr(chain.users, user))
    refused(portal.get(f"/api/v1/trace/bills/{chain.bill}"), 403, "REGULATOR_ONLY")


@pytest.mark.parametrize(
    ("package_no", "status", "code"),
    [("1" * 30, 404, "BILL_NOT_FOUND"), ("bad no!", 422, "VALIDATION_FAILED")],
)
def test_tracing_an_unknown_or_malformed_bill_is_refused(regulator, package_no, status, code):
    refused(regulator.get(f"/api/v1/trace/bills/{package_no}"), status, code)


def test_holders_and_hand_overs_follow_the_endorsement_chains():
    bill = {
        "drawer": "core",
        "payee": "sme",
        "ranges": [
            {"holder": "t2", "chain": [{"endorser": "sme", "endorsee": "t1", "kind": "transfer"},
                                       {"endorser": "t1", "endorsee": "t2", "kind": "transfer"}]},
            {"holder": "sme", "chain": []},
        ],
    }  # fmt: skip
    assert holders_of(bill) == ["sme", "t1", "t2"]
    assert [(hop["payer"], hop["payee"]) for hop in transfers_of(bill)] == [
        ("core", "sme"),
        ("sme", "t1"),
        ("t1", "t2"),
    ]


# -- in the browser ------------------------------------------------------------------------


def test_the_insight_views_work_in_headless_chromium(stack, chain, witness, tmp_path):
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium", pytrace=False)
    SHOTS.mkdir(parents=True, exist_ok=True)
    users = chain.users
    issue_date = stack.rpc.invoices.get_invoice(chain.invoice, chain.sme.id)["issue_date"]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.support.gateway_browser_insight",
            stack.url,
            PASSWORD,
            str(tmp_path),
            str(SHOTS),
            users.sme,
            users.regulator,
            chain.matched_trade,
            chain.bill,
            chain.invoice,
            issue_date,
            chain.bank.id,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "ok"
