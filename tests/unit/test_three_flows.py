"""Trade documents and the three-flow match that gates receivable financing."""

from __future__ import annotations

import pytest

from services.invoices.domain import match
from services.invoices.errors import InvoicesError
from tests.support.invoice_factories import TODAY, Platform, line, random_id


@pytest.fixture
def platform():
    return Platform()


@pytest.fixture
def seller(platform):
    return platform.enterprise()


@pytest.fixture
def buyer(platform):
    return platform.enterprise()


def match_of(platform, trade_id):
    return match(platform.trade(trade_id), platform.invoices_of_trade(trade_id))


def codes(result):
    return {discrepancy.code for discrepancy in result.discrepancies}


def test_a_fully_matched_trade_is_financeable(platform, seller, buyer):
    trade_id, _ = platform.matched_trade(seller, buyer)
    result = match_of(platform, trade_id)
    assert (result.status, result.discrepancies, result.financeable) == ("matched", (), True)


def test_a_trade_with_an_invoice_but_no_receipt_is_partial_and_not_financeable(
    platform, seller, buyer
):
    trade_id = platform.signed_trade(seller, buyer)
    platform.ship(trade_id, seller, "10")
    platform.confirmed_invoice(seller, buyer, trade_id=trade_id)
    result = match_of(platform, trade_id)
    assert result.status == "partial"
    assert not result.financeable
    assert codes(result) == {"SHIPMENT_NOT_RECEIVED", "INVOICED_AHEAD_OF_RECEIPT"}


def test_an_invoice_before_any_shipment_is_partial(platform, seller, buyer):
    trade_id = platform.signed_trade(seller, buyer)
    platform.confirmed_invoice(seller, buyer, trade_id=trade_id)
    assert codes(match_of(platform, trade_id)) == {"INVOICED_AHEAD_OF_RECEIPT"}


def test_invoicing_beyond_the_contract_is_mismatched(platform, seller, buyer):
    trade_id, _ = platform.matched_trade(seller, buyer)
    platform.confirmed_invoice(seller, buyer, [line(quantity="1")], trade_id=trade_id)
    result = match_of(platform, trade_id)
    assert result.status == "mismatched"
    over = next(d for d in result.discrepancies if d.code == "INVOICED_OVER_CONTRACT")
    assert (over.expected, over.actual) == (100_000, 110_000)


def test_a_partial_delivery_invoiced_for_what_arrived_is_matched(platform, seller, buyer):
    trade_id = platform.signed_trade(seller, buyer)
    shipment = platform.ship(trade_id, seller, "4")
    platform.receive(trade_id, shipment, buyer, "4")
    platform.confirmed_invoice(seller, buyer, [line(quantity="4")], trade_id=trade_id)
    assert match_of(platform, trade_id).status == "matched"


def test_a_short_receipt_invoiced_in_full_is_mismatched_until_partly_reversed(
    platform, seller, buyer
):
    trade_id = platform.signed_trade(seller, buyer)
    shipment = platform.ship(trade_id, seller, "10")
    platform.receive(trade_id, shipment, buyer, "9.5")
    number = platform.confirmed_invoice(seller, buyer, trade_id=trade_id)
    assert codes(match_of(platform, trade_id)) == {"INVOICED_OVER_RECEIVED"}
    reversal = {"number": number, "reversal_id": "short", "amount_fen": 5_000, "tax_fen": 650}
    platform.submit("invoice.request_reversal", seller, reversal)
    platform.submit("invoice.approve_reversal", buyer, {"number": number, "reversal_id": "short"})
    assert match_of(platform, trade_id).status == "matched"


@pytest.mark.parametrize(
    "shipped, received, code",
    [("12", "12", "OVER_SHIPPED"), ("10", "10.001", "OVER_RECEIVED")],
)
def test_goods_beyond_the_contract_or_the_shipment_are_mismatched(
    platform, seller, buyer, shipped, received, code
):
    trade_id = platform.signed_trade(seller, buyer)
    shipment = platform.ship(trade_id, seller, shipped)
    platform.receive(trade_id, shipment, buyer, received)
    platform.confirmed_invoice(seller, buyer, trade_id=trade_id)
    result = match_of(platform, trade_id)
    assert result.status == "mismatched"
    assert code in codes(result)


def test_a_receipt_dated_before_its_dispatch_is_mismatched(platform, seller, buyer):
    trade_id = platform.signed_trade(seller, buyer)
    shipment = platform.ship(trade_id, seller, "10", on="2026-03-01")
    platform.receive(trade_id, shipment, buyer, "10", on="2026-02-28")
    platform.confirmed_invoice(seller, buyer, trade_id=trade_id)
    assert "RECEIVED_BEFORE_DISPATCH" in codes(match_of(platform, trade_id))


def test_an_unconfirmed_invoice_keeps_the_trade_partial(platform, seller, buyer):
    trade_id = platform.signed_trade(seller, buyer)
    shipment = platform.ship(trade_id, seller, "10")
    platform.receive(trade_id, shipment, buyer, "10")
    platform.issue(seller, buyer, trade_id=trade_id)
    result = match_of(platform, trade_id)
    assert (result.status, codes(result)) == ("partial", {"INVOICE_UNCONFIRMED"})


def test_a_signed_trade_without_invoices_is_partial(platform, seller, buyer):
    trade_id = platform.signed_trade(seller, buyer)
    assert codes(match_of(platform, trade_id)) == {"NO_INVOICE"}


def test_an_invoice_between_other_parties_or_of_another_trade_is_mismatched(
    platform, seller, buyer
):
    trade_id, _ = platform.matched_trade(seller, buyer)
    other_trade, stranger = platform.signed_trade(seller, buyer), platform.enterprise()
    foreign = platform.confirmed_invoice(seller, stranger, [line(quantity="0.5")])
    invoices = [*platform.invoices_of_trade(trade_id), platform.invoice(foreign)]
    result = match(platform.trade(trade_id), invoices)
    assert result.status == "mismatched"
    assert {"INVOICE_PARTIES_DIFFER", "INVOICE_OF_OTHER_TRADE"} <= codes(result)
    assert other_trade != trade_id


def test_a_contract_awaiting_countersignature_is_partial_and_a_rejected_one_mismatched(
    platform, seller, buyer
):
    trade_id = random_id("trade")
    platform.submit("trade.propose_contract", seller, _contract(trade_id, seller, buyer))
    assert codes(match_of(platform, trade_id)) == {"CONTRACT_UNSIGNED", "NO_INVOICE"}
    platform.submit("trade.reject_contract", buyer, {"trade_id": trade_id, "reason": "price"})
    assert match_of(platform, trade_id).status == "mismatched"


def test_the_match_result_is_json_safe(platform, seller, buyer):
    trade_id = platform.signed_trade(seller, buyer)
    platform.ship(trade_id, seller, "10.5")
    result = match_of(platform, trade_id).to_dict()
    assert result["status"] == "mismatched"
    over = next(d for d in result["discrepancies"] if d["code"] == "OVER_SHIPPED")
    assert (over["expected"], over["actual"]) == ("10", "10.5")


def _contract(trade_id, seller, buyer, item="热轧钢卷"):
    return {
        "trade_id": trade_id,
        "contract_number": "HT-2026-001",
        "seller": seller.id,
        "buyer": buyer.id,
        "lines": [{"item": item, "quantity": "10", "unit_price_fen": 10_000}],
    }


def _ship(trade_id, item="热轧钢卷"):
    lines = [{"item": item, "quantity": "1"}]
    return {"trade_id": trade_id, "shipment_id": "s-1", "dispatched_on": TODAY, "lines": lines}


def _receive(trade_id, item="热轧钢卷"):
    lines = [{"item": item, "quantity": "1"}]
    return {"trade_id": trade_id, "shipment_id": "s-1", "received_on": TODAY, "lines": lines}


def _signed(platform, seller, buyer):
    trade_id = random_id("trade")
    platform.submit("trade.propose_contract", buyer, _contract(trade_id, seller, buyer))
    platform.submit("trade.sign_contract", seller, {"trade_id": trade_id})
    return trade_id


def _proposed(platform, seller, buyer):
    trade_id = random_id("trade")
    platform.submit("trade.propose_contract", buyer, _contract(trade_id, seller, buyer))
    return trade_id


def _shipped(platform, seller, buyer):
    trade_id = _signed(platform, seller, buyer)
    platform.submit("trade.dispatch_shipment", seller, _ship(trade_id))
    return trade_id


def _received(platform, seller, buyer):
    trade_id = _shipped(platform, seller, buyer)
    platform.submit("trade.receive_goods", buyer, _receive(trade_id))
    return trade_id


@pytest.mark.parametrize(
    "make, type, who, body, code",
    [
        (_proposed, "trade.sign_contract", "buyer", {}, "TRADE_COUNTERSIGN_REQUIRED"),
        (_proposed, "trade.sign_contract", "stranger", {}, "TRADE_NOT_PARTY"),
        (_signed, "trade.sign_contract", "seller", {}, "TRADE_INVALID_STATE"),
        (_signed, "trade.propose_contract", "buyer", "contract", "TRADE_ALREADY_EXISTS"),
        (_proposed, "trade.dispatch_shipment", "seller", _ship, "TRADE_INVALID_STATE"),
        (_signed, "trade.dispatch_shipment", "buyer", _ship, "TRADE_NOT_PARTY"),
        (_signed, "trade.dispatch_shipment", "seller", "other item", "TRADE_UNKNOWN_ITEM"),
        (_shipped, "trade.dispatch_shipment", "seller", _ship, "TRADE_DUPLICATE_DOCUMENT"),
        (_shipped, "trade.receive_goods", "seller", _receive, "TRADE_NOT_PARTY"),
        (_signed, "trade.receive_goods", "buyer", _receive, "TRADE_UNKNOWN_SHIPMENT"),
        (_received, "trade.receive_goods", "buyer", _receive, "TRADE_DUPLICATE_DOCUMENT"),
    ],
)
def test_trade_documents_from_the_wrong_party_or_state_are_refused(
    platform, seller, buyer, make, type, who, body, code
):
    trade_id = make(platform, seller, buyer)
    if body == "contract":
        body = _contract(trade_id, seller, buyer)
    elif body == "other item":
        body = _ship(trade_id, item="冷轧钢板")
    else:
        body = body(trade_id) if callable(body) else {"trade_id": trade_id, **body}
    signer = {"seller": seller, "buyer": buyer, "stranger": platform.enterprise()}[who]
    with pytest.raises(InvoicesError) as caught:
        platform.submit(type, signer, body)
    assert caught.value.code == code


@pytest.mark.parametrize(
    "signer, party, code",
    [("stranger", "enterprise", "TRADE_NOT_PARTY"), ("seller", "bank", "PARTY_NOT_ENTERPRISE")],
)
def test_a_contract_is_proposed_by_one_of_its_two_enterprises(
    platform, seller, signer, party, code
):
    buyer = platform.party(party)
    signers = {"stranger": platform.enterprise(), "seller": seller}
    body = _contract(random_id("trade"), seller, buyer)
    with pytest.raises(InvoicesError) as caught:
        platform.submit("trade.propose_contract", signers[signer], body)
    assert caught.value.code == code


def test_contract_lines_name_each_item_once(platform, seller, buyer):
    body = _contract(random_id("trade"), seller, buyer)
    body["lines"] = body["lines"] * 2
    with pytest.raises(InvoicesError) as caught:
        platform.submit("trade.propose_contract", buyer, body)
    assert caught.value.code == "COMMAND_BODY_INVALID"
