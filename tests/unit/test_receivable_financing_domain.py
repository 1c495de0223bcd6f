"""Receivable financing: apply → automatic checks → approve → claim → disburse → repay; and
the SME's consent that lets a bank see its documents."""

from __future__ import annotations

import time

import pytest

from services.invoices.domain import has_consent, require_consent
from services.invoices.errors import InvoicesError
from tests.support.invoice_factories import Platform, random_id

TOTAL = 113_000


@pytest.fixture
def platform():
    return Platform()


@pytest.fixture
def sme(platform):
    return platform.enterprise()


@pytest.fixture
def core(platform):
    return platform.enterprise()


@pytest.fixture
def bank(platform):
    return platform.bank()


@pytest.fixture
def consented(platform, sme, bank):
    platform.submit("consent.grant", sme, {"bank": bank.id})


def apply(platform, sme, bank, numbers, amount_fen=90_000, financing_id=None):
    financing_id = financing_id or random_id("fin")
    pledges = [{"number": number, "amount_fen": TOTAL} for number in numbers]
    body = {"financing_id": financing_id, "bank": bank.id, "invoices": pledges}
    events = platform.submit("financing.apply", sme, {**body, "amount_fen": amount_fen})
    return financing_id, events


def reasons(events):
    return {reason.code for reason in events[-1].reasons}


def refused(action) -> InvoicesError:
    with pytest.raises(InvoicesError) as caught:
        action()
    return caught.value


def test_an_sme_is_financed_against_a_matched_trade_and_repaid_when_the_buyer_pays(
    platform, sme, core, bank, consented
):
    _, number = platform.matched_trade(sme, core)
    financing_id, events = apply(platform, sme, bank, [number])
    assert [e.name for e in events] == ["financing_applied", "financing_assessed"]
    assert (events[1].decision, events[1].reasons) == ("eligible", ())
    platform.submit("financing.approve", bank, {"financing_id": financing_id})
    claim = {"number": number, "claim_id": financing_id, "amount_fen": TOTAL}
    platform.submit("invoice.claim_financing", bank, claim)
    disbursal = {"financing_id": financing_id, "disbursement_ref": "loan-1"}
    platform.submit("financing.disburse", bank, disbursal)
    payment = {"number": number, "payment_ref": "core-pays", "amount_fen": TOTAL}
    platform.submit("invoice.record_payment", bank, {**payment, "claim_id": financing_id})
    repayment = {"financing_id": financing_id, "repayment_ref": "core-pays", "amount_fen": 90_000}
    [repaid] = platform.submit("financing.record_repayment", bank, repayment)
    assert repaid.fully_repaid
    assert platform.state(f"financing:{financing_id}").status == "repaid"
    assert (platform.invoice(number).status, platform.invoice(number).claims) == ("settled", ())


def test_an_unconfirmed_invoice_on_an_unmatched_trade_is_ineligible_with_every_reason(
    platform, sme, core, bank, consented
):
    trade_id = platform.signed_trade(sme, core)
    number = platform.issue(sme, core, trade_id=trade_id)
    financing_id, events = apply(platform, sme, bank, [number])
    assert events[-1].decision == "ineligible"
    assert reasons(events) == {"INVOICE_NOT_CONFIRMED", "TRADE_NOT_MATCHED"}
    approval = {"financing_id": financing_id}
    error = refused(lambda: platform.submit("financing.approve", bank, approval))
    assert (error.code, error.details["status"]) == ("FINANCING_INVALID_STATE", "ineligible")


def test_applying_without_consent_or_beyond_the_credit_limit_is_ineligible(
    platform, sme, core, bank
):
    _, number = platform.matched_trade(sme, core)
    platform.credit[(sme.id, bank.id)] = 50_000
    _, events = apply(platform, sme, bank, [number], amount_fen=60_000)
    assert reasons(events) == {"CONSENT_REQUIRED", "CREDIT_LIMIT_EXCEEDED"}
    assert events[-1].available_credit_fen == 50_000


def test_an_invoice_financed_elsewhere_is_ineligible_without_naming_the_other_bank(
    platform, sme, core, bank, consented
):
    _, number = platform.matched_trade(sme, core)
    other = platform.bank()
    claim = {"number": number, "claim_id": "elsewhere", "amount_fen": 100_000}
    platform.submit("invoice.claim_financing", other, claim)
    _, events = apply(platform, sme, bank, [number])
    assert reasons(events) == {"FINANCING_EXCEEDS_OUTSTANDING"}
    assert other.id not in repr(events[-1].to_dict())


def test_an_invoice_without_a_trade_is_ineligible(platform, sme, core, bank, consented):
    number = platform.confirmed_invoice(sme, core)
    _, events = apply(platform, sme, bank, [number, "1" * 20])
    assert reasons(events) == {"INVOICE_NOT_LINKED_TO_TRADE", "INVOICE_NOT_FOUND"}


@pytest.mark.parametrize(
    "signer, bank_kind, amount_fen, code",
    [
        ("core", "bank", 90_000, "INVOICE_NOT_SELLER"),
        ("bank", "bank", 90_000, "PARTY_NOT_ENTERPRISE"),
        ("sme", "enterprise", 90_000, "PARTY_NOT_BANK"),
        ("sme", "bank", TOTAL + 1, "COMMAND_BODY_INVALID"),
    ],
)
def test_applications_by_the_wrong_party_or_beyond_the_pledges_are_refused(
    platform, sme, core, signer, bank_kind, amount_fen, code
):
    _, number = platform.matched_trade(sme, core)
    lender = platform.party(bank_kind)
    applicant = {"sme": sme, "core": core, "bank": lender}[signer]
    error = refused(lambda: apply(platform, applicant, lender, [number], amount_fen))
    assert error.code == code


def test_a_financing_id_is_applied_for_once(platform, sme, core, bank, consented):
    _, number = platform.matched_trade(sme, core)
    financing_id, _ = apply(platform, sme, bank, [number])
    error = refused(lambda: apply(platform, sme, bank, [number], financing_id=financing_id))
    assert error.code == "FINANCING_ALREADY_EXISTS"


@pytest.fixture
def approved(platform, sme, core, bank, consented):
    _, number = platform.matched_trade(sme, core)
    financing_id, _ = apply(platform, sme, bank, [number])
    platform.submit("financing.approve", bank, {"financing_id": financing_id})
    return financing_id, number


@pytest.mark.parametrize(
    "type, extra",
    [("financing.decline", {}), ("financing.disburse", {"disbursement_ref": "loan-1"})],
)
def test_only_the_bank_applied_to_declines_or_disburses(platform, approved, type, extra):
    financing_id, _ = approved
    body = {"financing_id": financing_id, **extra}
    error = refused(lambda: platform.submit(type, platform.bank(), body))
    assert error.code == "FINANCING_NOT_LENDER"


def test_disbursing_before_the_claim_is_registered_is_refused(platform, bank, approved):
    financing_id, number = approved
    body = {"financing_id": financing_id, "disbursement_ref": "loan-1"}
    error = refused(lambda: platform.submit("financing.disburse", bank, body))
    assert (error.code, error.details["number"]) == ("FINANCING_CLAIM_MISSING", number)


def test_disbursing_after_the_trade_stopped_matching_is_refused(
    platform, sme, core, bank, approved
):
    financing_id, number = approved
    claim = {"number": number, "claim_id": financing_id, "amount_fen": TOTAL}
    platform.submit("invoice.claim_financing", bank, claim)
    trade_id = platform.invoice(number).trade_id
    platform.issue(sme, core, trade_id=trade_id)  # a second invoice: beyond the contract
    body = {"financing_id": financing_id, "disbursement_ref": "loan-1"}
    error = refused(lambda: platform.submit("financing.disburse", bank, body))
    assert (error.code, error.details["status"]) == ("TRADE_NOT_MATCHED", "mismatched")


def test_a_declined_financing_cannot_be_disbursed(platform, bank, approved):
    financing_id, _ = approved
    platform.submit("financing.decline", bank, {"financing_id": financing_id, "reason": "policy"})
    body = {"financing_id": financing_id, "disbursement_ref": "loan-1"}
    error = refused(lambda: platform.submit("financing.disburse", bank, body))
    assert error.code == "FINANCING_INVALID_STATE"


@pytest.mark.parametrize(
    "repayments, code",
    [
        ([("r-1", 90_001)], "FINANCING_REPAYMENT_EXCEEDS_LOAN"),
        ([("r-1", 10_000), ("r-1", 10_000)], "FINANCING_DUPLICATE_REPAYMENT"),
    ],
)
def test_repayments_beyond_the_loan_or_recorded_twice_are_refused(
    platform, bank, approved, repayments, code
):
    financing_id, number = approved
    claim = {"number": number, "claim_id": financing_id, "amount_fen": TOTAL}
    platform.submit("invoice.claim_financing", bank, claim)
    platform.submit(
        "financing.disburse", bank, {"financing_id": financing_id, "disbursement_ref": "l"}
    )
    *accepted, last = repayments
    for reference, amount in accepted:
        body = {"financing_id": financing_id, "repayment_ref": reference, "amount_fen": amount}
        platform.submit("financing.record_repayment", bank, body)
    body = {"financing_id": financing_id, "repayment_ref": last[0], "amount_fen": last[1]}
    assert refused(lambda: platform.submit("financing.record_repayment", bank, body)).code == code


def test_the_automatic_checks_decide_fifty_invoices_well_under_a_second(
    platform, sme, core, bank, consented
):
    numbers = [platform.matched_trade(sme, core)[1] for _ in range(50)]
    started = time.perf_counter()
    _, events = apply(platform, sme, bank, numbers)
    assert events[-1].decision == "eligible"
    assert time.perf_counter() - started < 0.5


# --- consent ------------------------------------------------------------------------------


def test_an_sme_grants_and_withdraws_a_banks_access_to_its_documents(platform, sme, bank):
    assert not has_consent(platform.consent(sme.id), bank.id)
    platform.submit("consent.grant", sme, {"bank": bank.id})
    assert has_consent(platform.consent(sme.id), bank.id)
    require_consent(platform.consent(sme.id), bank.id)
    platform.submit("consent.withdraw", sme, {"bank": bank.id})
    error = refused(lambda: require_consent(platform.consent(sme.id), bank.id))
    assert error.code == "CONSENT_REQUIRED"


@pytest.mark.parametrize(
    "signer, grantee, type, code",
    [
        ("bank", "bank", "consent.grant", "PARTY_NOT_ENTERPRISE"),
        ("sme", "core", "consent.grant", "PARTY_NOT_BANK"),
        ("sme", "bank", "consent.withdraw", "CONSENT_NOT_GRANTED"),
    ],
)
def test_consent_is_given_by_an_enterprise_to_a_bank(
    platform, sme, core, bank, signer, grantee, type, code
):
    parties = {"sme": sme, "core": core, "bank": bank}
    body = {"bank": parties[grantee].id}
    assert refused(lambda: platform.submit(type, parties[signer], body)).code == code


def test_granting_consent_twice_is_refused(platform, sme, bank, consented):
    error = refused(lambda: platform.submit("consent.grant", sme, {"bank": bank.id}))
    assert error.code == "CONSENT_ALREADY_GRANTED"
