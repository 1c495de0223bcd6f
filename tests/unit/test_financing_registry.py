"""The cross-bank financing registry on the invoice stream: no double financing, partial
claims, privacy of refusals, dilution alerts, releases — and the invariant under any history."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.invoices.domain import event_from_dict
from services.invoices.errors import InvoicesError
from tests.support.invoice_factories import Platform

TOTAL = 113_000  # the factory invoice: 1000.00 + 13% VAT


@pytest.fixture
def platform():
    return Platform()


@pytest.fixture
def deal(platform):
    """A confirmed invoice and three banks: (number, seller, buyer, [bank_a, bank_b, bank_c])."""
    seller, buyer = platform.enterprise(), platform.enterprise()
    number = platform.confirmed_invoice(seller, buyer)
    return number, seller, buyer, [platform.bank() for _ in range(3)]


def claim(platform, bank, number, amount_fen, claim_id=None):
    body = {"number": number, "claim_id": claim_id or f"claim-{bank.id}", "amount_fen": amount_fen}
    return platform.submit("invoice.claim_financing", bank, body)


def refused(action) -> InvoicesError:
    with pytest.raises(InvoicesError) as caught:
        action()
    return caught.value


def test_the_same_invoice_financed_by_a_second_bank_is_refused(platform, deal):
    number, _, _, (bank_a, bank_b, _) = deal
    claim(platform, bank_a, number, TOTAL)
    assert platform.invoice(number).status == "financed"
    error = refused(lambda: claim(platform, bank_b, number, 1))
    assert error.code == "INVOICE_ALREADY_FINANCED"


def test_partial_claims_from_several_banks_add_up_to_at_most_the_outstanding_amount(platform, deal):
    number, _, _, (bank_a, bank_b, bank_c) = deal
    claim(platform, bank_a, number, 60_000)
    claim(platform, bank_b, number, 53_000)
    assert platform.invoice(number).claimed_fen == TOTAL
    assert refused(lambda: claim(platform, bank_c, number, 1)).code == "INVOICE_ALREADY_FINANCED"


def test_a_claim_beyond_the_unclaimed_amount_is_refused_with_what_is_available(platform, deal):
    number, _, _, (bank_a, bank_b, _) = deal
    claim(platform, bank_a, number, 60_000)
    error = refused(lambda: claim(platform, bank_b, number, 60_000))
    assert error.code == "FINANCING_EXCEEDS_OUTSTANDING"
    assert error.details == {"requested_fen": 60_000, "available_fen": 53_000}


@pytest.mark.parametrize("first_claim, second_claim", [(TOTAL, 1), (60_000, 60_000)])
def test_a_refused_claim_never_names_the_bank_holding_the_invoice(
    platform, deal, first_claim, second_claim
):
    number, _, _, (bank_a, bank_b, _) = deal
    claim(platform, bank_a, number, first_claim, claim_id="secret-facility")
    error = refused(lambda: claim(platform, bank_b, number, second_claim))
    told = repr((str(error), error.to_dict()))
    for secret in (bank_a.id, bank_a.credit_code, "secret-facility"):
        assert secret not in told


def test_a_reversal_after_financing_alerts_each_financing_bank_and_cuts_the_newest_claim(
    platform, deal
):
    number, seller, buyer, (bank_a, bank_b, _) = deal
    claim(platform, bank_a, number, 60_000)
    claim(platform, bank_b, number, 40_000)
    request = {"number": number, "reversal_id": "r-1", "amount_fen": 30_000, "tax_fen": 3_900}
    platform.submit("invoice.request_reversal", seller, request)
    events = platform.submit(
        "invoice.approve_reversal", buyer, {"number": number, "reversal_id": "r-1"}
    )
    assert [e.name for e in events] == [
        "financing_claim_released",
        "invoice_reversed",
        "financing_diluted",
        "financing_diluted",
    ]
    cut, _, alert_a, alert_b = events
    assert (cut.bank, cut.amount_fen, cut.remaining_fen, cut.reason) == (
        bank_b.id, 20_900, 19_100, "reversed",
    )  # fmt: skip
    assert (alert_a.bank, alert_a.claim_before_fen, alert_a.claim_after_fen) == (
        bank_a.id,
        60_000,
        60_000,
    )
    assert (alert_b.bank, alert_b.claim_before_fen, alert_b.claim_after_fen) == (
        bank_b.id,
        40_000,
        19_100,
    )
    assert bank_b.id not in repr(alert_a.to_dict())
    invoice = platform.invoice(number)
    assert invoice.claimed_fen == invoice.outstanding_fen == 79_100


def test_a_reversal_within_the_unclaimed_amount_still_alerts_but_cuts_nothing(platform, deal):
    number, seller, buyer, (bank_a, _, _) = deal
    claim(platform, bank_a, number, 50_000)
    request = {"number": number, "reversal_id": "r-1", "amount_fen": 10_000, "tax_fen": 1_300}
    platform.submit("invoice.request_reversal", seller, request)
    events = platform.submit(
        "invoice.approve_reversal", buyer, {"number": number, "reversal_id": "r-1"}
    )
    assert [e.name for e in events] == ["invoice_reversed", "financing_diluted"]
    assert events[1].claim_after_fen == 50_000


def test_a_buyer_payment_to_the_claim_repays_and_releases_it(platform, deal):
    number, _, _, (bank_a, _, _) = deal
    claim(platform, bank_a, number, TOTAL, claim_id="fin-1")
    body = {"number": number, "payment_ref": "wire-9", "amount_fen": TOTAL, "claim_id": "fin-1"}
    events = platform.submit("invoice.record_payment", bank_a, body)
    assert [(e.name, getattr(e, "reason", None)) for e in events] == [
        ("financing_claim_released", "repaid"),
        ("invoice_payment_recorded", None),
        ("invoice_settled", None),
    ]
    assert platform.invoice(number).claims == ()


def test_a_payment_made_elsewhere_cuts_the_newest_claims_to_the_outstanding_amount(platform, deal):
    number, _, _, (bank_a, bank_b, _) = deal
    claim(platform, bank_a, number, 60_000)
    claim(platform, bank_b, number, 53_000)
    body = {"number": number, "payment_ref": "direct", "amount_fen": 20_000}
    [cut, _] = platform.submit("invoice.record_payment", bank_a, body)
    assert (cut.bank, cut.amount_fen, cut.reason) == (bank_b.id, 20_000, "paid")


def test_a_bank_releases_its_own_claim_and_no_one_elses(platform, deal):
    number, _, _, (bank_a, bank_b, _) = deal
    claim(platform, bank_a, number, 80_000, claim_id="fin-a")
    release = {"number": number, "claim_id": "fin-a"}
    error = refused(lambda: platform.submit("invoice.release_claim", bank_b, release))
    assert error.code == "FINANCING_CLAIM_NOT_FOUND"
    platform.submit("invoice.release_claim", bank_a, {**release, "amount_fen": 30_000})
    assert platform.invoice(number).claimed_fen == 50_000
    platform.submit("invoice.release_claim", bank_a, release)
    assert platform.invoice(number).status == "confirmed"


def _pending_reversal(platform, number, seller):
    request = {"number": number, "reversal_id": "r-1", "amount_fen": 1_000, "tax_fen": 130}
    platform.submit("invoice.request_reversal", seller, request)


def _released_claim(platform, number, seller):
    bank = platform.bank()
    claim(platform, bank, number, 1_000, claim_id="used")
    platform.submit("invoice.release_claim", bank, {"number": number, "claim_id": "used"})


@pytest.mark.parametrize(
    "before, signer, claim_id, code",
    [
        (None, "seller", "c-1", "ACTOR_NOT_BANK"),
        (_pending_reversal, "bank", "c-1", "INVOICE_REVERSAL_PENDING"),
        (_released_claim, "bank", "used", "FINANCING_CLAIM_EXISTS"),
    ],
)
def test_claims_by_non_banks_during_a_reversal_or_with_a_used_id_are_refused(
    platform, deal, before, signer, claim_id, code
):
    number, seller, _, (bank_a, _, _) = deal
    if before:
        before(platform, number, seller)
    party = seller if signer == "seller" else bank_a
    assert refused(lambda: claim(platform, party, number, 1, claim_id)).code == code


def test_every_registry_event_survives_its_dict_form(platform, deal):
    test_a_reversal_after_financing_alerts_each_financing_bank_and_cuts_the_newest_claim(
        platform, deal
    )
    for event in platform.log:
        assert event_from_dict(event.to_dict()) == event


# --- the invariant under any history ------------------------------------------------------

amounts = st.integers(min_value=1, max_value=120_000)
operations = st.one_of(
    st.tuples(st.just("claim"), st.integers(0, 2), amounts),
    st.tuples(st.just("release"), st.integers(0, 11), st.none() | amounts),
    st.tuples(st.just("reverse"), st.integers(0, 100_000), st.integers(0, 13_000)),
    st.tuples(st.just("pay"), amounts, st.none() | st.integers(0, 11)),
    st.tuples(st.just("bill"), amounts),
)


def _live_claim(platform, number, index):
    """The ``index``-th live claim (cyclically), so releases and repayments hit real claims."""
    claims = platform.invoice(number).claims
    return claims[index % len(claims)] if claims else None


def _apply(platform, deal, step, operation) -> None:
    number, seller, buyer, banks = deal
    kind, *args = operation
    if kind == "claim":
        claim(platform, banks[args[0]], number, args[1], claim_id=f"c-{step}")
    elif kind == "release":
        target = _live_claim(platform, number, args[0])
        if target:
            body = {"number": number, "claim_id": target.claim_id, "amount_fen": args[1]}
            platform.submit("invoice.release_claim", target.bank, body)
    elif kind == "reverse":
        answer = {"number": number, "reversal_id": f"r-{step}"}
        request = {**answer, "amount_fen": args[0], "tax_fen": args[1]}
        platform.submit("invoice.request_reversal", seller, request)
        platform.submit("invoice.approve_reversal", buyer, answer)
    else:
        _pay(platform, number, banks[0], step, kind, *args)


def _pay(platform, number, bank, step, kind, amount_fen, claim_index=None) -> None:
    reference = {"pay": "payment_ref", "bill": "bill_number"}[kind]
    body = {"number": number, reference: f"p-{step}", "amount_fen": amount_fen}
    target = None if claim_index is None else _live_claim(platform, number, claim_index)
    if target:
        body["claim_id"] = target.claim_id
    command = {"pay": "invoice.record_payment", "bill": "invoice.record_bill_settlement"}[kind]
    platform.submit(command, bank, body)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operations, max_size=12))
def test_no_history_of_claims_releases_reversals_and_payments_lets_claims_exceed_outstanding(
    history,
):
    platform = Platform()
    seller, buyer = platform.enterprise(), platform.enterprise()
    deal = (
        platform.confirmed_invoice(seller, buyer),
        seller,
        buyer,
        [platform.bank() for _ in range(3)],
    )
    for step, operation in enumerate(history):
        # A refusal changes nothing; what matters is what was accepted.
        with contextlib.suppress(InvoicesError):
            _apply(platform, deal, step, operation)
        invoice = platform.invoice(deal[0])
        assert 0 <= invoice.claimed_fen <= invoice.outstanding_fen <= TOTAL
        assert all(existing.amount_fen > 0 for existing in invoice.claims)
        assert invoice.outstanding_fen == TOTAL - invoice.reversed_fen - invoice.paid_fen
