"""The blockchain invoice: issue checks, lifecycle, red-letter reversal, payment, 查验."""

from __future__ import annotations

import pytest

from services.invoices.domain import (
    Command,
    command_types,
    decide_invoice,
    parse_command,
    public_verification,
    stream_for,
)
from services.invoices.domain.fields import quantity_micro
from services.invoices.domain.tax import format_quantity, line_amount_fen, line_tax_fen
from services.invoices.errors import InvoicesError
from tests.support.invoice_factories import TODAY, Platform, invoice_body, invoice_number, line


@pytest.fixture
def platform():
    return Platform()


@pytest.fixture
def seller(platform):
    return platform.enterprise()


@pytest.fixture
def buyer(platform):
    return platform.enterprise()


def refusal(platform, type, actor, body) -> InvoicesError:
    with pytest.raises(InvoicesError) as caught:
        platform.submit(type, actor, body)
    return caught.value


def test_an_invoice_whose_lines_add_up_is_issued_by_its_seller(platform, seller, buyer):
    lines = [line("钢卷", "12.5", 8_850, 1300), line("运输服务", "1", 30_000, 900)]
    number = platform.issue(seller, buyer, lines)
    invoice = platform.invoice(number)
    assert invoice.status == "issued"
    assert invoice.seller == seller.id
    assert invoice.total_fen == invoice.amount_fen + invoice.tax_fen == 110_625 + 14_381 + 32_700


def _wrong(field, delta):
    def change(body):
        body[field] += delta

    return change


def _line_field(field, value):
    def change(body):
        body["lines"][0][field] = value

    return change


def _seller_code(value):
    def change(body):
        body["seller_credit_code"] = value

    return change


def _buyer_code(value):
    def change(body):
        body["buyer_credit_code"] = value

    return change


def _flip_check_character(code: str) -> str:
    return code[:17] + ("1" if code[17] != "1" else "2")


@pytest.mark.parametrize(
    "change, code",
    [
        (_wrong("amount_fen", 1), "INVOICE_TOTALS_MISMATCH"),
        (_wrong("tax_fen", -1), "INVOICE_TOTALS_MISMATCH"),
        (_wrong("total_fen", 100), "INVOICE_TOTALS_MISMATCH"),
        (_line_field("tax_fen", 13_001), "INVOICE_TAX_MISMATCH"),
        (_line_field("amount_fen", 100_001), "INVOICE_LINE_AMOUNT_MISMATCH"),
        (_line_field("tax_rate_bp", 1600), "INVOICE_UNKNOWN_TAX_RATE"),
        (_line_field("tax_rate_bp", 1100), "INVOICE_UNKNOWN_TAX_RATE"),
        (_buyer_code("91310000MA1FL0000"), "INVOICE_BAD_CREDIT_CODE"),
        (_buyer_code("91310000OA1FL00001"), "INVOICE_BAD_CREDIT_CODE"),
        (_line_field("quantity", 10.0), "COMMAND_BODY_INVALID"),
        (_line_field("amount_fen", True), "COMMAND_BODY_INVALID"),
        (_wrong("total_fen", 0.5), "COMMAND_BODY_INVALID"),
    ],
    ids=[
        "amount-off",
        "tax-off",
        "total-off",
        "line-tax-off",
        "line-amount-off",
        "old-16-percent",
        "eleven-percent",
        "short-code",
        "letter-O",
        "float-quantity",
        "bool-amount",
        "float-total",
    ],
)
def test_an_invoice_that_does_not_add_up_is_refused_with_its_code(
    platform, seller, buyer, change, code
):
    body = invoice_body(seller.credit_code, buyer.credit_code)
    change(body)
    assert refusal(platform, "invoice.issue", seller, body).code == code


def test_a_seller_credit_code_with_a_wrong_check_character_is_refused(platform, buyer):
    seller = platform.enterprise()
    body = invoice_body(_flip_check_character(seller.credit_code), buyer.credit_code)
    error = refusal(platform, "invoice.issue", seller, body)
    assert error.code == "INVOICE_BAD_CREDIT_CODE"
    assert error.details["field"] == "seller_credit_code"


def test_a_second_issue_of_the_same_number_is_refused_as_a_duplicate(platform, seller, buyer):
    number = platform.issue(seller, buyer)
    body = invoice_body(seller.credit_code, buyer.credit_code, number=number)
    assert refusal(platform, "invoice.issue", seller, body).code == "INVOICE_DUPLICATE_NUMBER"


@pytest.mark.parametrize(
    "who, overrides, code",
    [
        ("buyer", {}, "INVOICE_NOT_SELLER"),
        ("seller", {"issue_date": "2026-03-03"}, "INVOICE_DATE_IN_FUTURE"),
        ("seller", {"issue_date": "2026-02-30"}, "COMMAND_BODY_INVALID"),
        ("seller", {"number": "1234567890123456789"}, "COMMAND_BODY_INVALID"),
        ("seller", {"number": "12345678901234567890\n"}, "COMMAND_BODY_INVALID"),
        ("seller", {"number": "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩٠"}, "COMMAND_BODY_INVALID"),
        ("seller", {"memo": "typo"}, "COMMAND_BODY_INVALID"),
        ("seller", {"lines": []}, "COMMAND_BODY_INVALID"),
    ],
)
def test_issue_is_refused_for_the_wrong_signer_date_or_shape(
    platform, seller, buyer, who, overrides, code
):
    body = {**invoice_body(seller.credit_code, buyer.credit_code), **overrides}
    signer = seller if who == "seller" else buyer
    assert refusal(platform, "invoice.issue", signer, body).code == code


def test_an_invoice_to_oneself_is_refused(platform, seller):
    body = invoice_body(seller.credit_code, seller.credit_code)
    assert refusal(platform, "invoice.issue", seller, body).code == "COMMAND_BODY_INVALID"


def test_an_invoice_dated_today_in_china_is_accepted_before_utc_midnight(seller, buyer):
    from datetime import UTC, datetime

    platform = Platform(now=datetime(2026, 3, 2, 17, 30, tzinfo=UTC))  # 01:30 on 3 March CST
    platform.parties.update({seller.id: seller, buyer.id: buyer})
    platform.issue(seller, buyer, issue_date="2026-03-03")


@pytest.mark.parametrize(
    "quantity, unit_price_fen, amount_fen",
    [("0.5", 1, 1), ("0.49", 1, 0), ("1.000001", 500_000, 500_001), ("3", 333, 999)],
)
def test_line_amounts_round_half_up_to_the_fen(quantity, unit_price_fen, amount_fen):
    micro = quantity_micro(quantity)
    assert line_amount_fen(micro, unit_price_fen) == amount_fen
    assert format_quantity(micro) == quantity


@pytest.mark.parametrize(
    "amount_fen, rate_bp, tax_fen", [(150, 100, 2), (149, 100, 1), (50, 100, 1), (10_000, 0, 0)]
)
def test_line_tax_rounds_half_up_to_the_fen(amount_fen, rate_bp, tax_fen):
    assert line_tax_fen(amount_fen, rate_bp) == tax_fen


@pytest.mark.parametrize("rate_bp", [1300, 900, 600, 500, 300, 100, 0])
def test_every_legal_vat_rate_is_accepted(platform, seller, buyer, rate_bp):
    platform.issue(seller, buyer, [line(tax_rate_bp=rate_bp)])


def test_the_buyer_confirms_an_issued_invoice(platform, seller, buyer):
    number = platform.confirmed_invoice(seller, buyer)
    invoice = platform.invoice(number)
    assert (invoice.status, invoice.buyer) == ("confirmed", buyer.id)


A_CLAIM = {"claim_id": "c", "amount_fen": 1}
A_PAYMENT = {"payment_ref": "p-1", "amount_fen": 1}
A_REVERSAL = {"reversal_id": "r-9", "amount_fen": 1, "tax_fen": 0}


def _settled(platform, seller, buyer, bank):
    number = platform.confirmed_invoice(seller, buyer)
    total = platform.invoice(number).total_fen
    payment = {"number": number, "payment_ref": "p-1", "amount_fen": total}
    platform.submit("invoice.record_payment", bank, payment)
    return number


def _reversed(platform, seller, buyer, bank):
    number = platform.issue(seller, buyer)
    invoice = platform.invoice(number)
    body = {"number": number, "reversal_id": "r-1", "amount_fen": invoice.amount_fen}
    platform.submit("invoice.request_reversal", seller, {**body, "tax_fen": invoice.tax_fen})
    return number


def _issued(platform, seller, buyer, bank):
    return platform.issue(seller, buyer)


def _confirmed(platform, seller, buyer, bank):
    return platform.confirmed_invoice(seller, buyer)


@pytest.mark.parametrize(
    "make, status, type, who, extra",
    [
        (_confirmed, "confirmed", "invoice.confirm", "buyer", {}),
        (_reversed, "reversed", "invoice.confirm", "buyer", {}),
        (_settled, "settled", "invoice.confirm", "buyer", {}),
        (_issued, "issued", "invoice.claim_financing", "bank", A_CLAIM),
        (_reversed, "reversed", "invoice.claim_financing", "bank", A_CLAIM),
        (_settled, "settled", "invoice.record_payment", "bank", A_PAYMENT),
        (_reversed, "reversed", "invoice.record_payment", "bank", A_PAYMENT),
        (_settled, "settled", "invoice.request_reversal", "seller", A_REVERSAL),
        (_reversed, "reversed", "invoice.link_trade", "seller", {"trade_id": "t-1"}),
    ],
)  # fmt: skip
def test_lifecycle_acts_from_the_wrong_state_are_refused(
    platform, seller, buyer, make, status, type, who, extra
):
    bank = platform.bank()
    number = make(platform, seller, buyer, bank)
    assert platform.invoice(number).status == status
    signer = {"seller": seller, "buyer": buyer, "bank": bank}[who]
    error = refusal(platform, type, signer, {"number": number, **extra})
    assert (error.code, error.details["status"]) == ("INVOICE_INVALID_STATE", status)


@pytest.mark.parametrize(
    "type, who, code",
    [
        ("invoice.confirm", "seller", "INVOICE_NOT_BUYER"),
        ("invoice.confirm", "stranger", "INVOICE_NOT_BUYER"),
        ("invoice.link_trade", "buyer", "INVOICE_NOT_SELLER"),
    ],
)
def test_acts_reserved_to_one_party_are_refused_to_others(platform, seller, buyer, type, who, code):
    number = platform.issue(seller, buyer)
    signer = {"seller": seller, "buyer": buyer, "stranger": platform.enterprise()}[who]
    body = {"number": number, **({"trade_id": "t-1"} if type == "invoice.link_trade" else {})}
    assert refusal(platform, type, signer, body).code == code


def test_a_command_on_an_empty_invoice_stream_is_not_found(platform, buyer):
    error = refusal(platform, "invoice.confirm", buyer, {"number": invoice_number()})
    assert error.code == "INVOICE_NOT_FOUND"


def test_an_invoice_is_linked_to_one_trade_only(platform, seller, buyer):
    number = platform.issue(seller, buyer, trade_id="t-1")
    error = refusal(platform, "invoice.link_trade", seller, {"number": number, "trade_id": "t-2"})
    assert error.code == "INVOICE_ALREADY_LINKED"


def _request(number, amount_fen, tax_fen, reversal_id="r-1"):
    return {
        "number": number,
        "reversal_id": reversal_id,
        "amount_fen": amount_fen,
        "tax_fen": tax_fen,
    }


def test_before_confirmation_the_seller_alone_reverses_an_invoice(platform, seller, buyer):
    number = platform.issue(seller, buyer)
    [event] = platform.submit("invoice.request_reversal", seller, _request(number, 100_000, 13_000))
    assert (event.name, event.approved_by, event.outstanding_fen) == ("invoice_reversed", None, 0)
    assert platform.invoice(number).status == "reversed"


def test_once_confirmed_a_reversal_waits_for_the_buyers_countersignature(platform, seller, buyer):
    number = platform.confirmed_invoice(seller, buyer)
    [event] = platform.submit("invoice.request_reversal", seller, _request(number, 40_000, 5_200))
    assert event.name == "invoice_reversal_requested"
    assert platform.invoice(number).outstanding_fen == 113_000
    seller_answer = refusal(platform, "invoice.approve_reversal", seller, _answer(number))
    assert seller_answer.code == "INVOICE_NOT_BUYER"
    [event] = platform.submit("invoice.approve_reversal", buyer, _answer(number))
    assert (event.name, event.approved_by) == ("invoice_reversed", buyer.id)
    invoice = platform.invoice(number)
    assert (invoice.outstanding_fen, invoice.net_amount_fen, invoice.status) == (
        67_800,
        60_000,
        "confirmed",
    )


def _answer(number, reversal_id="r-1"):
    return {"number": number, "reversal_id": reversal_id}


def test_a_rejected_or_withdrawn_reversal_leaves_the_invoice_as_it_was(platform, seller, buyer):
    number = platform.confirmed_invoice(seller, buyer)
    platform.submit("invoice.request_reversal", seller, _request(number, 1_000, 130))
    platform.submit("invoice.reject_reversal", buyer, {**_answer(number), "reason": "goods kept"})
    platform.submit("invoice.request_reversal", seller, _request(number, 1_000, 130, "r-2"))
    platform.submit("invoice.withdraw_reversal", seller, _answer(number, "r-2"))
    invoice = platform.invoice(number)
    assert (invoice.reversed_fen, invoice.pending_reversal) == (0, None)


@pytest.mark.parametrize(
    "first, second, code",
    [
        (None, _request("N", 100_001, 0), "INVOICE_REVERSAL_EXCEEDS_OUTSTANDING"),
        (None, _request("N", 0, 13_001), "INVOICE_REVERSAL_EXCEEDS_OUTSTANDING"),
        (None, _request("N", 0, 0), "COMMAND_BODY_INVALID"),
        (_request("N", 1, 0), _request("N", 1, 0, "r-2"), "INVOICE_REVERSAL_PENDING"),
    ],
)
def test_reversal_requests_beyond_the_invoice_or_while_one_waits_are_refused(
    platform, seller, buyer, first, second, code
):
    number = platform.confirmed_invoice(seller, buyer)
    if first:
        platform.submit("invoice.request_reversal", seller, {**first, "number": number})
    error = refusal(platform, "invoice.request_reversal", seller, {**second, "number": number})
    assert error.code == code


def test_answering_a_reversal_that_does_not_wait_is_not_found(platform, seller, buyer):
    number = platform.confirmed_invoice(seller, buyer)
    error = refusal(platform, "invoice.approve_reversal", buyer, _answer(number))
    assert error.code == "INVOICE_REVERSAL_NOT_FOUND"


def test_an_invoice_paid_in_full_is_settled(platform, seller, buyer):
    bank = platform.bank()
    number = platform.confirmed_invoice(seller, buyer)
    body = {"number": number, "payment_ref": "wire-1", "amount_fen": 13_000}
    platform.submit("invoice.record_payment", bank, body)
    bill = {
        "number": number,
        "bill_number": "530158000000120260302000000001",
        "amount_fen": 100_000,
    }
    events = platform.submit("invoice.record_bill_settlement", bank, bill)
    assert [event.name for event in events] == ["invoice_payment_recorded", "invoice_settled"]
    assert platform.invoice(number).status == "settled"


@pytest.mark.parametrize(
    "who, body, code",
    [
        ("seller", {}, "ACTOR_NOT_BANK"),
        ("operator", {}, "ACTOR_NOT_BANK"),
        ("bank", {"payment_ref": "p-1"}, "INVOICE_DUPLICATE_REFERENCE"),
        ("bank", {"amount_fen": 113_000}, "INVOICE_PAYMENT_EXCEEDS_OUTSTANDING"),
        ("bank", {"claim_id": "x"}, "FINANCING_CLAIM_NOT_FOUND"),
    ],
)  # fmt: skip
def test_payments_by_non_banks_twice_or_beyond_the_outstanding_are_refused(
    platform, seller, buyer, who, body, code
):
    bank = platform.bank()
    number = platform.confirmed_invoice(seller, buyer)
    platform.submit("invoice.record_payment", bank, {"number": number, **A_PAYMENT})
    signer = {"seller": seller, "bank": bank, "operator": platform.party("operator")}[who]
    second = {"number": number, "payment_ref": "p-2", "amount_fen": 1, **body}
    assert refusal(platform, "invoice.record_payment", signer, second).code == code


def test_the_operator_may_record_a_bill_settlement_for_the_bills_integration(
    platform, seller, buyer
):
    number = platform.confirmed_invoice(seller, buyer)
    body = {"number": number, "bill_number": "b-1", "amount_fen": 500}
    platform.submit("invoice.record_bill_settlement", platform.party("operator"), body)
    assert platform.invoice(number).paid_fen == 500


def test_public_verification_confirms_an_authentic_invoice_and_reveals_only_its_tax_status(
    platform, seller, buyer
):
    number = platform.confirmed_invoice(seller, buyer)
    platform.submit("invoice.claim_financing", platform.bank(), _claim(number, "c-1", 50_000))
    invoice = platform.invoice(number)
    answer = public_verification(invoice, number, TODAY, 113_000)
    assert answer == {"authentic": True, "status": "normal"}


def _claim(number, claim_id, amount_fen):
    return {"number": number, "claim_id": claim_id, "amount_fen": amount_fen}


@pytest.mark.parametrize(
    "number_ok, date, total",
    [(False, TODAY, 113_000), (True, "2026-03-01", 113_000), (True, TODAY, 113_001),
     (True, TODAY, True)],
)  # fmt: skip
def test_public_verification_with_any_wrong_detail_says_not_authentic_and_nothing_else(
    platform, seller, buyer, number_ok, date, total
):
    number = platform.issue(seller, buyer)
    asked = number if number_ok else invoice_number()
    answer = public_verification(platform.invoice(number), asked, date, total)
    assert answer == {"authentic": False, "status": None}
    assert public_verification(None, number, TODAY, 113_000) == answer


def test_public_verification_shows_a_partial_and_a_full_red_letter_reversal(
    platform, seller, buyer
):
    number = platform.issue(seller, buyer)
    platform.submit("invoice.request_reversal", seller, _request(number, 10_000, 1_300))
    assert public_verification(platform.invoice(number), number, TODAY, 113_000)["status"] == (
        "partially_reversed"
    )
    platform.submit("invoice.request_reversal", seller, _request(number, 90_000, 11_700, "r-2"))
    assert public_verification(platform.invoice(number), number, TODAY, 113_000)["status"] == (
        "reversed"
    )


def test_parse_command_returns_a_typed_command_naming_its_stream(seller, buyer):
    body = invoice_body(seller.credit_code, buyer.credit_code)
    command = parse_command("invoice.issue", seller.id, body)
    assert command.lines[0].quantity == 10_000_000
    assert command.stream == stream_for(Command("invoice.issue", seller.id, body))
    assert command.stream == f"invoice:{body['number']}"


@pytest.mark.parametrize(
    "type, code",
    [("invoice.burn", "COMMAND_UNKNOWN_TYPE"), ("trade.sign_contract", "COMMAND_WRONG_AGGREGATE")],
)
def test_decide_refuses_commands_it_does_not_own(platform, seller, type, code):
    with pytest.raises(InvoicesError) as caught:
        decide_invoice(None, Command(type, seller.id, {"trade_id": "t-1"}), platform.context)
    assert caught.value.code == code


def test_every_command_type_belongs_to_one_stream_kind():
    kinds = set(command_types().values())
    assert kinds == {"invoice", "trade", "consent", "financing"}
