"""Bill rules, each with the refusal that enforces it: command shape, issue limits, delivery,
circulation, presentment, pricing, events and the read side. Recourse and the end-to-end
scenarios follow at the end of ``test_bills_transitions``."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from services.bills.domain import (
    BillCommand,
    amount_held_by,
    apply,
    decide,
    event_from_dict,
    evolve,
    holdings,
    parties_on,
    range_map,
)
from services.bills.domain.commands import Endorse, parse_command
from services.bills.domain.pricing import quote_discount, round_half_up
from services.bills.errors import BillChainBroken, BillNotFound, BillRangeInvalid
from services.common.errors import ValidationFailed
from tests.support.bills_factories import (
    CALENDAR,
    ISSUE_DAY,
    MATURITY,
    MILLION_YUAN,
    World,
    delivered_bill,
    drafted_bill,
    issue_body,
    new_flow,
)

CIRCULATION_DAY = date(2025, 4, 10)
PAYMENT_DAY = date(2025, 10, 9)


@pytest.fixture
def world() -> World:
    return World()


# --- the shape of a command ------------------------------------------------------------------

ISSUE = {
    "package_no": "5" + "0" * 28 + "1",
    "kind": "bank_acceptance",
    "acceptor": "bank-1",
    "payee": "ent-2",
    "amount_fen": 100,
    "issue_date": "2025-04-01",
    "maturity_date": "2025-10-01",
}
ENDORSE = {"start": 1, "end": 100, "endorsee": "ent-2"}
DISCOUNT = {"start": 1, "end": 9, "bank": "bank-1", "rate_bp": 150}
CLAIM = {"start": 1, "against": "ent-0"}


@pytest.mark.parametrize(
    ("type", "body", "code"),
    [
        ("bill.forge", {}, "BILL_UNKNOWN_COMMAND"),
        ("bill.issue", [], "BILL_FIELD_INVALID"),
        ("bill.issue", {**ISSUE, "payee": None}, "BILL_FIELD_INVALID"),
        ("bill.issue", {k: v for k, v in ISSUE.items() if k != "payee"}, "BILL_FIELD_MISSING"),
        ("bill.issue", {**ISSUE, "memo": "x"}, "BILL_FIELD_UNKNOWN"),
        ("bill.issue", {**ISSUE, "amount_fen": 100.0}, "BILL_AMOUNT_INVALID"),
        ("bill.issue", {**ISSUE, "amount_fen": "100"}, "BILL_AMOUNT_INVALID"),
        ("bill.issue", {**ISSUE, "amount_fen": True}, "BILL_AMOUNT_INVALID"),
        ("bill.issue", {**ISSUE, "amount_fen": 0}, "BILL_AMOUNT_INVALID"),
        ("bill.issue", {**ISSUE, "amount_fen": 100_000_000_001}, "BILL_AMOUNT_LIMIT"),
        ("bill.issue", {**ISSUE, "issue_date": "2025/04/01"}, "BILL_FIELD_INVALID"),
        ("bill.issue", {**ISSUE, "maturity_date": "2025-02-30"}, "BILL_FIELD_INVALID"),
        ("bill.issue", {**ISSUE, "maturity_date": "20251001"}, "BILL_FIELD_INVALID"),
        ("bill.issue", {**ISSUE, "package_no": "5" * 29}, "BILL_FIELD_INVALID"),
        ("bill.issue", {**ISSUE, "package_no": "0" * 30}, "BILL_FIELD_INVALID"),
        ("bill.issue", {**ISSUE, "kind": "promissory_note"}, "BILL_FIELD_INVALID"),
        ("bill.issue", {**ISSUE, "splittable": "yes"}, "BILL_FIELD_INVALID"),
        ("bill.issue", {**ISSUE, "maturity_date": "2025-04-01"}, "BILL_MATURITY_NOT_AFTER_ISSUE"),
        ("bill.issue", {**ISSUE, "maturity_date": "2025-10-02"}, "BILL_TENOR_LIMIT"),
        ("bill.issue", {**ISSUE, "payee": "ent-1"}, "BILL_SAME_PARTY"),
        ("bill.issue", {**ISSUE, "payee": "bank-1"}, "BILL_SAME_PARTY"),
        ("bill.endorse", {**ENDORSE, "start": 0}, "BILL_RANGE_INVALID"),
        ("bill.endorse", {**ENDORSE, "start": 101}, "BILL_RANGE_INVALID"),
        ("bill.endorse", {**ENDORSE, "endorsee": "ent 2"}, "BILL_FIELD_INVALID"),
        ("bill.endorse", {**ENDORSE, "endorsee": "ent-1"}, "BILL_SAME_PARTY"),
        (
            "bill.discount",
            {"start": 1, "end": 9, "bank": "b", "rate_bp": 1.5},
            "BILL_FIELD_INVALID",
        ),
        ("bill.discount", {"start": 1, "end": 9, "bank": "b", "rate_bp": -1}, "BILL_FIELD_INVALID"),
        (
            "bill.discount",
            {"start": 1, "end": 9, "bank": "b", "rate_bp": 10_001},
            "BILL_FIELD_INVALID",
        ),
        ("bill.dishonour", {"start": 1, "reason": " "}, "BILL_FIELD_INVALID"),
        (
            "bill.claim_recourse",
            {"start": 1, "against": "x", "costs_fen": -1},
            "BILL_AMOUNT_INVALID",
        ),
    ],
)
def test_a_malformed_body_is_refused_with_a_validation_code(type, body, code):
    with pytest.raises(ValidationFailed) as caught:
        parse_command(type, "ent-1", body)
    assert caught.value.code == code


def test_a_well_formed_body_becomes_its_typed_command_with_defaults():
    command = parse_command("bill.endorse", "ent-1", ENDORSE)
    assert command == Endorse("ent-1", 1, 100, "ent-2", not_transferable=False)
    assert command.counterparty == "ent-2"


def test_the_signer_id_is_checked_like_a_ledger_signer():
    with pytest.raises(ValidationFailed) as caught:
        parse_command("bill.tick", "operator with spaces", {})
    assert caught.value.details == {"field": "actor"}


# --- issue -----------------------------------------------------------------------------------


def test_a_bill_is_issued_drafted_and_held_whole_by_its_drawer(world):
    flow = drafted_bill(world, supply_chain=True)
    bill = flow.bill
    assert (bill.status, bill.supply_chain, bill.face.fen) == ("drafted", True, MILLION_YUAN)
    assert holdings(bill) == [(flow.drawer, 1, MILLION_YUAN, MILLION_YUAN)]


def test_the_face_may_be_exactly_one_billion_yuan(world):
    flow = drafted_bill(world, amount_fen=100_000_000_000)
    assert flow.bill.face.yuan() == "1000000000.00"


def test_maturity_may_be_exactly_six_calendar_months_after_issue(world):
    flow = new_flow(world, on=date(2025, 8, 31))  # + 6 months = 2026-02-28, clamped
    too_long = issue_body(flow, maturity_date="2026-03-01")
    flow.refused("BILL_TENOR_LIMIT", "bill.issue", flow.drawer, **too_long)
    flow.act("bill.issue", flow.drawer, **issue_body(flow, maturity_date="2026-02-28"))
    assert flow.bill.maturity_date == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"issue_date": "2025-03-31", "maturity_date": "2025-09-30"}, "BILL_ISSUE_DATE_NOT_TODAY"),
        ({"acceptor": "enterprise"}, "BILL_NOT_BANK"),
        ({"kind": "commercial_acceptance", "acceptor": "bank"}, "BILL_NOT_ENTERPRISE"),
        ({"payee": "bank"}, "BILL_NOT_ENTERPRISE"),
        ({"payee": "regulator"}, "BILL_NOT_ENTERPRISE"),
        ({"payee": "unknown"}, "BILL_UNKNOWN_PARTY"),
    ],
)
def test_issue_refuses_wrong_dates_and_parties(world, change, code):
    flow = new_flow(world)
    body = {**ISSUE, "acceptor": flow.acceptor, "payee": flow.payee, "package_no": "7" * 30}
    for role in ("acceptor", "payee"):
        if change.get(role) in ("enterprise", "bank", "regulator"):
            change = {**change, role: world.party(change[role])}
        elif change.get(role) == "unknown":
            change = {**change, role: "ent-never-admitted"}
    flow.refused(code, "bill.issue", flow.drawer, **{**body, **change})


def test_only_an_enterprise_draws_a_bill(world):
    flow = new_flow(world)
    body = {**ISSUE, "acceptor": flow.acceptor, "payee": flow.payee}
    flow.refused("BILL_NOT_ENTERPRISE", "bill.issue", world.bank(), **body)


def test_a_commercial_bill_may_be_accepted_by_its_own_drawer(world):
    flow = new_flow(world, kind="commercial_acceptance")
    flow.acceptor = flow.drawer
    body = {**ISSUE, "kind": "commercial_acceptance", "acceptor": flow.drawer, "payee": flow.payee}
    flow.act("bill.issue", flow.drawer, **body)
    flow.act("bill.present_acceptance", flow.drawer)
    assert flow.act("bill.accept", flow.drawer)[0].name == "bill_accepted"


# --- before delivery ---------------------------------------------------------------------------


def test_only_the_drawer_presents_and_only_the_named_parties_answer(world):
    flow = drafted_bill(world)
    flow.refused("BILL_NOT_DRAWER", "bill.present_acceptance", flow.payee)
    flow.act("bill.present_acceptance", flow.drawer)
    flow.refused("BILL_NOT_COUNTERPARTY", "bill.accept", world.bank())
    flow.refused("BILL_NOT_REQUESTER", "bill.withdraw", flow.acceptor, start=1)
    flow.act("bill.accept", flow.acceptor)
    flow.act("bill.present_receipt", flow.drawer)
    flow.refused("BILL_NOT_COUNTERPARTY", "bill.receive", flow.acceptor)
    flow.act("bill.receive", flow.payee)
    assert flow.bill.status == "in_circulation"
    assert flow.range(1).holder == flow.payee


def test_a_refused_receipt_returns_the_bill_to_the_drawer_who_may_revoke_it(world):
    flow = drafted_bill(world)
    flow.act("bill.present_acceptance", flow.drawer)
    flow.act("bill.accept", flow.acceptor)
    flow.act("bill.present_receipt", flow.drawer)
    flow.refused("BILL_REQUEST_PENDING", "bill.revoke", flow.drawer)
    flow.act("bill.refuse_receipt", flow.payee, reason="no such contract")
    assert flow.bill.status == "accepted"
    flow.refused("BILL_NOT_DRAWER", "bill.revoke", flow.payee)
    flow.act("bill.revoke", flow.drawer)
    assert flow.bill.status == "revoked"


def test_an_unanswered_presentment_lapses_and_cannot_be_signed_late(world):
    flow = drafted_bill(world)
    flow.act("bill.present_acceptance", flow.drawer)  # Tuesday 2025-04-01: 10 business days
    deadline = flow.range(1).pending.deadline
    assert deadline == date(2025, 4, 16)  # 4/4 is Qingming
    flow.on(date(2025, 4, 17)).refused("BILL_REQUEST_EXPIRED", "bill.accept", flow.acceptor)
    flow.refused("BILL_NOT_OPERATOR", "bill.tick", flow.drawer)
    [expired] = flow.act("bill.tick", world.operator())
    assert (expired.name, expired.request_type, flow.bill.status) == (
        "request_expired",
        "acceptance",
        "drafted",
    )


def test_presentment_must_come_before_maturity(world):
    flow = drafted_bill(world).on(MATURITY)
    flow.refused("BILL_MATURED", "bill.present_acceptance", flow.drawer)


@pytest.mark.parametrize(
    ("asker", "end", "guarantor", "code"),
    [
        ("drawer", 9, "bank", "BILL_RANGE_INVALID"),  # before delivery: the whole bill
        ("drawer", MILLION_YUAN, "acceptor", "BILL_GUARANTOR_IS_PARTY"),
        ("drawer", MILLION_YUAN, "operator", "BILL_PARTY_NOT_ELIGIBLE"),
        ("acceptor", MILLION_YUAN, "bank", "BILL_NOT_HOLDER"),  # not before it accepted
        ("payee", MILLION_YUAN, "bank", "BILL_NOT_HOLDER"),
    ],
)
def test_a_guarantee_before_delivery_is_refused_unless_asked_right(
    world, asker, end, guarantor, code
):
    flow = drafted_bill(world)
    guarantor = flow.acceptor if guarantor == "acceptor" else world.party(guarantor)
    flow.refused(
        code, "bill.guarantee", getattr(flow, asker), start=1, end=end, guarantor=guarantor
    )


def test_the_drawer_and_then_the_acceptor_may_have_the_bill_guaranteed_before_delivery(world):
    flow = drafted_bill(world)
    first, second = world.bank(), world.enterprise()
    flow.act("bill.guarantee", flow.drawer, start=1, end=MILLION_YUAN, guarantor=first)
    flow.act("bill.sign", first, start=1)
    flow.act("bill.present_acceptance", flow.drawer)
    flow.act("bill.accept", flow.acceptor)
    flow.act("bill.guarantee", flow.acceptor, start=1, end=MILLION_YUAN, guarantor=second)
    flow.act("bill.sign", second, start=1)
    guarantees = [(g.guarantor, g.guaranteed) for g in flow.range(1).guarantees]
    assert guarantees == [(first, flow.drawer), (second, flow.acceptor)]


# --- circulation -------------------------------------------------------------------------------


@pytest.fixture
def circulating(world):
    return delivered_bill(world).on(CIRCULATION_DAY)


def _acts(world: World) -> dict[str, tuple[str, dict]]:
    """One of each holder's act on sub-tickets [1, 10], with fresh counterparties."""
    return {
        "endorse": ("bill.endorse", {"start": 1, "end": 10, "endorsee": world.enterprise()}),
        "guarantee": ("bill.guarantee", {"start": 1, "end": 10, "guarantor": world.bank()}),
        "pledge": ("bill.pledge", {"start": 1, "end": 10, "pledgee": world.bank()}),
        "discount": ("bill.discount", {"start": 1, "end": 10, "bank": world.bank(), "rate_bp": 1}),
    }


@pytest.mark.parametrize("act", ["endorse", "guarantee", "pledge", "discount"])
@pytest.mark.parametrize("who", ["drawer", "acceptor", "stranger"])
def test_only_the_holder_of_a_range_acts_on_it(world, circulating, act, who):
    actor = world.enterprise() if who == "stranger" else getattr(circulating, who)
    type, body = _acts(world)[act]
    circulating.refused("BILL_NOT_HOLDER", type, actor, **body)
    circulating.act(type, circulating.payee, **body)


def test_only_the_creditor_presents_a_range_for_payment(world, circulating):
    flow = circulating.on(PAYMENT_DAY)
    flow.refused("BILL_NOT_HOLDER", "bill.present_payment", flow.drawer, start=1)
    flow.act("bill.present_payment", flow.payee, start=1)


def test_a_split_endorsement_hands_over_exactly_the_sub_range(world, circulating):
    flow, tier2 = circulating, world.enterprise()
    [split, requested] = flow.act(
        "bill.endorse", flow.payee, start=30_000_001, end=50_000_000, endorsee=tier2
    )
    assert (split.name, split.points) == ("bill_split", (30_000_001, 50_000_001))
    assert requested.name == "endorsement_requested"
    flow.act("bill.sign", tier2, start=30_000_001)
    assert holdings(flow.bill) == [
        (flow.payee, 1, 30_000_000, 30_000_000),
        (tier2, 30_000_001, 50_000_000, 20_000_000),
        (flow.payee, 50_000_001, 100_000_000, 50_000_000),
    ]


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (1, 100_000_001, "BILL_RANGE_INVALID"),  # beyond the face
        (20_000_000, 40_000_000, "BILL_RANGE_INVALID"),  # across two held ranges
    ],
)
def test_a_range_must_lie_inside_one_held_range(world, circulating, start, end, code):
    flow, tier2 = circulating, world.enterprise()
    flow.endorse(flow.payee, 1, 30_000_000, tier2)
    flow.refused(code, "bill.endorse", flow.payee, start=start, end=end, endorsee=tier2)


@pytest.mark.parametrize("act", ["endorse", "guarantee", "pledge", "discount"])
def test_a_bill_issued_unsplittable_moves_only_whole(world, act):
    flow = delivered_bill(world, splittable=False).on(CIRCULATION_DAY)
    type, body = _acts(world)[act]
    flow.refused("BILL_NOT_SPLITTABLE", type, flow.payee, **body)
    flow.act(type, flow.payee, **{**body, "end": MILLION_YUAN})
    assert len(flow.bill.ranges) == 1


def test_the_endorsement_chain_is_continuous(world, circulating):
    flow, tier2, tier3 = circulating, world.enterprise(), world.enterprise()
    flow.endorse(flow.payee, 1, 50_000_000, tier2)
    flow.endorse(tier2, 1, 10_000_000, tier3)
    chain = flow.range(1).chain
    assert [(s.endorser, s.endorsee) for s in chain] == [(flow.payee, tier2), (tier2, tier3)]
    forged = replace(
        flow.bill, ranges=(replace(flow.range(1), holder=tier2), *flow.bill.ranges[1:])
    )
    flow.bill = forged
    flow.refused("BILL_CHAIN_BROKEN", "bill.endorse", tier2, start=1, end=9, endorsee=tier3)
    assert BillChainBroken.code == "BILL_CHAIN_BROKEN"


@pytest.mark.parametrize(
    ("act", "code"),
    [
        ("endorse", "BILL_NOT_TRANSFERABLE"),
        ("pledge", "BILL_NOT_TRANSFERABLE"),
        ("discount", "BILL_NOT_TRANSFERABLE"),
    ],
)
def test_the_drawers_not_transferable_mark_bars_every_transfer(world, act, code):
    flow = delivered_bill(world, not_transferable=True).on(CIRCULATION_DAY)
    type, body = _acts(world)[act]
    flow.refused(code, type, flow.payee, **body)


def test_a_bill_the_drawer_marked_is_still_guaranteed_and_paid(world):
    flow = delivered_bill(world, not_transferable=True).on(CIRCULATION_DAY)
    type, body = _acts(world)["guarantee"]
    flow.act(type, flow.payee, **body)
    flow.on(PAYMENT_DAY).act("bill.present_payment", flow.payee, start=11)
    flow.act("bill.pay", flow.acceptor, start=11)


def test_an_endorsers_mark_bars_further_endorsement_but_not_discount(world, circulating):
    flow, tier2, bank = circulating, world.enterprise(), world.bank()
    flow.endorse(flow.payee, 1, 30_000_000, tier2, not_transferable=True)
    flow.refused(
        "BILL_NOT_TRANSFERABLE", "bill.endorse", tier2, start=1, end=10, endorsee=world.enterprise()
    )
    flow.act("bill.discount", tier2, start=1, end=30_000_000, bank=bank, rate_bp=150)
    flow.act("bill.sign", bank, start=1)
    assert flow.range(1).holder == bank
    flow.endorse(flow.payee, 30_000_001, 40_000_000, world.enterprise())  # other ranges move on


def test_a_pledged_range_is_not_endorsed_or_discounted_until_released(world, circulating):
    flow, bank, tier2 = circulating, world.bank(), world.enterprise()
    flow.act("bill.pledge", flow.payee, start=1, end=40_000_000, pledgee=bank)
    flow.act("bill.sign", bank, start=1)
    flow.refused("BILL_RANGE_PLEDGED", "bill.endorse", flow.payee, start=1, end=10, endorsee=tier2)
    flow.refused(
        "BILL_RANGE_PLEDGED",
        "bill.discount",
        flow.payee,
        start=1,
        end=40_000_000,
        bank=world.bank(),
        rate_bp=150,
    )
    flow.refused("BILL_NOT_PLEDGED", "bill.release_pledge", flow.payee, start=40_000_001)
    flow.act("bill.release_pledge", flow.payee, start=1)
    flow.refused("BILL_NOT_COUNTERPARTY", "bill.sign", tier2, start=1)
    flow.act("bill.sign", bank, start=1)
    flow.endorse(flow.payee, 1, 10, tier2)


def test_the_pledgee_not_the_holder_presents_a_pledged_range(world, circulating):
    flow, bank = circulating, world.bank()
    flow.act("bill.pledge", flow.payee, start=1, end=MILLION_YUAN, pledgee=bank)
    flow.act("bill.sign", bank, start=1)
    flow.on(PAYMENT_DAY).refused("BILL_RANGE_PLEDGED", "bill.present_payment", flow.payee, start=1)
    flow.act("bill.present_payment", bank, start=1)
    [paid] = flow.act("bill.pay", flow.acceptor, start=1)
    assert (paid.paid_to, flow.range(1).pledgee) == (bank, None)


def test_no_endorsement_after_the_presentment_window_or_after_dishonour(world, circulating):
    flow, tier2 = circulating, world.enterprise()
    flow.on(date(2025, 10, 11)).endorse(flow.payee, 1, 10, tier2)  # last day: a make-up Saturday
    flow.on(date(2025, 10, 13)).refused(
        "BILL_PRESENTMENT_WINDOW_CLOSED",
        "bill.endorse",
        flow.payee,
        start=11,
        end=20,
        endorsee=tier2,
    )
    flow.act("bill.present_payment", tier2, start=1)
    flow.act("bill.dishonour", flow.acceptor, start=1, reason="account frozen")
    flow.refused("BILL_DISHONOURED", "bill.endorse", tier2, start=1, end=10, endorsee=flow.payee)


def test_a_range_with_a_pending_request_waits_for_the_answer(world, circulating):
    flow, tier2, tier3 = circulating, world.enterprise(), world.enterprise()
    flow.act("bill.endorse", flow.payee, start=1, end=MILLION_YUAN, endorsee=tier2)
    flow.refused(
        "BILL_REQUEST_PENDING",
        "bill.endorse",
        flow.payee,
        start=1,
        end=MILLION_YUAN,
        endorsee=tier3,
    )
    flow.act("bill.reject", tier2, start=1, reason="wrong amount")
    flow.act("bill.endorse", flow.payee, start=1, end=MILLION_YUAN, endorsee=tier3)
    flow.act("bill.withdraw", flow.payee, start=1)
    assert flow.range(1).pending is None and flow.range(1).holder == flow.payee


def test_an_endorsement_lapses_when_the_window_closes_even_inside_its_lifetime(world):
    flow = delivered_bill(world).on(date(2025, 10, 9))
    tier2 = world.enterprise()
    flow.act("bill.endorse", flow.payee, start=1, end=MILLION_YUAN, endorsee=tier2)
    assert flow.range(1).pending.deadline == date(2025, 10, 11)
    flow.on(date(2025, 10, 13)).refused("BILL_REQUEST_EXPIRED", "bill.sign", tier2, start=1)


@pytest.mark.parametrize(
    ("seller", "type", "buyer", "code"),
    [
        ("payee", "bill.discount", "enterprise", "BILL_NOT_BANK"),
        ("payee", "bill.discount", "regulator", "BILL_NOT_BANK"),
        ("payee", "bill.rediscount", "bank", "BILL_NOT_BANK"),  # an enterprise discounts
        ("bank", "bill.discount", "bank", "BILL_NOT_ENTERPRISE"),  # a bank rediscounts
        ("bank", "bill.rediscount", "enterprise", "BILL_NOT_BANK"),
    ],
)
def test_discount_and_rediscount_are_with_banks_only(world, circulating, seller, type, buyer, code):
    flow, bank = circulating, world.bank()
    if seller == "bank":
        flow.act("bill.discount", flow.payee, start=1, end=MILLION_YUAN, bank=bank, rate_bp=150)
        flow.act("bill.sign", bank, start=1)
    actor = bank if seller == "bank" else flow.payee
    whole = {"start": 1, "end": MILLION_YUAN, "rate_bp": 150}
    flow.refused(code, type, actor, **whole, bank=world.party(buyer))


def test_a_discounting_bank_moves_the_range_on_only_by_rediscount(world, circulating):
    flow, bank, second_bank = circulating, world.bank(), world.bank()
    whole = {"start": 1, "end": MILLION_YUAN, "rate_bp": 150}
    flow.act("bill.discount", flow.payee, **whole, bank=bank)
    flow.act("bill.sign", bank, start=1)
    flow.refused("BILL_NOT_ENTERPRISE", "bill.endorse", bank, start=1, end=9, endorsee=flow.drawer)
    flow.act("bill.rediscount", bank, **whole, bank=second_bank)
    [rediscounted] = flow.act("bill.sign", second_bank, start=1)
    assert rediscounted.name == "bill_rediscounted"
    assert [step.kind for step in flow.range(1).chain] == ["discount", "rediscount"]
    assert [record.rediscount for record in flow.range(1).discounts] == [False, True]


def test_discount_must_come_before_maturity(world):
    flow = delivered_bill(world).on(date(2025, 10, 1))
    flow.refused(
        "BILL_MATURED",
        "bill.discount",
        flow.payee,
        start=1,
        end=MILLION_YUAN,
        bank=world.bank(),
        rate_bp=150,
    )


@pytest.mark.parametrize("party", ["drawer", "acceptor", "payee", "holder"])
def test_a_guarantor_must_not_already_be_a_party_to_the_range(world, circulating, party):
    flow, tier2 = circulating, world.enterprise()
    flow.endorse(flow.payee, 1, 10, tier2)
    guarantor = tier2 if party == "holder" else getattr(flow, party)
    code = "BILL_SAME_PARTY" if party == "holder" else "BILL_GUARANTOR_IS_PARTY"
    flow.refused(code, "bill.guarantee", tier2, start=1, end=10, guarantor=guarantor)


# --- payment ---------------------------------------------------------------------------------


def test_payment_is_presented_from_maturity_and_answered_by_the_acceptor(world, circulating):
    flow = circulating.on(date(2025, 9, 30))
    flow.refused("BILL_NOT_DUE", "bill.present_payment", flow.payee, start=1)
    [presented] = flow.on(date(2025, 10, 1)).act("bill.present_payment", flow.payee, start=1)
    # received on the first business day (10-09), answered by the next (10-10)
    assert (presented.deadline, presented.late) == (date(2025, 10, 10), False)
    flow.refused("BILL_NOT_COUNTERPARTY", "bill.pay", flow.drawer, start=1)
    flow.refused("BILL_NO_PENDING_REQUEST", "bill.sign", flow.acceptor, start=1)
    flow.act("bill.pay", flow.acceptor, start=1)
    assert (flow.bill.status, flow.range(1).status) == ("settled", "paid")


def test_a_silent_bank_acceptor_is_answered_for_on_day_three_as_a_dishonour(world, circulating):
    flow, operator = circulating.on(PAYMENT_DAY), world.operator()
    flow.act("bill.present_payment", flow.payee, start=1)  # Thursday; deadline Friday 10-10
    assert flow.on(date(2025, 10, 10)).act("bill.tick", operator) == []
    flow.on(date(2025, 10, 11))  # day three: a make-up working Saturday
    flow.refused("BILL_ANSWER_DEADLINE_PASSED", "bill.pay", flow.acceptor, start=1)
    [deemed] = flow.act("bill.tick", operator)
    assert (deemed.name, deemed.deemed, deemed.creditor) == ("bill_dishonoured", True, flow.payee)
    assert flow.range(1).dishonour.on == date(2025, 10, 11)
    flow.act("bill.claim_recourse", flow.payee, start=1, against=flow.acceptor)


def test_a_commercial_acceptor_must_answer_itself_even_late(world):
    flow = delivered_bill(world, kind="commercial_acceptance").on(PAYMENT_DAY)
    flow.act("bill.present_payment", flow.payee, start=1)
    assert flow.on(date(2025, 10, 20)).act("bill.tick", world.operator()) == []
    flow.act("bill.pay", flow.acceptor, start=1)
    assert flow.bill.status == "settled"


def test_presentment_after_the_window_is_late_and_after_two_years_time_barred(world, circulating):
    flow = circulating.on(date(2025, 10, 13))
    [presented] = flow.act("bill.present_payment", flow.payee, start=1)
    assert presented.late
    flow.act("bill.withdraw", flow.payee, start=1)
    flow.on(date(2027, 10, 11)).refused(
        "BILL_PAYMENT_TIME_BARRED", "bill.present_payment", flow.payee, start=1
    )


# --- pricing ---------------------------------------------------------------------------------


def test_discount_interest_runs_actual_360_to_the_adjusted_maturity():
    quote = quote_discount(30_000_000, 163, date(2025, 6, 16), MATURITY, CALENDAR)
    # 2025-10-01 is National Day: paid Thursday 10-09, 115 days after 06-16.
    # 30,000,000 × 0.0163 × 115 / 360 = 156,208.33 fen → 156,208
    assert (quote.adjusted_maturity, quote.days) == (date(2025, 10, 9), 115)
    assert (quote.interest_fen, quote.proceeds_fen) == (156_208, 29_843_792)


@pytest.mark.parametrize(
    ("face", "rate_bp", "days", "interest"),
    [
        (500, 100, 36, 1),  # exactly 0.5 fen rounds up
        (499, 100, 36, 0),  # 0.499 fen rounds down
        (1_500, 100, 36, 2),  # 1.5 → 2
        (100_000_000, 0, 36, 0),
    ],
)
def test_discount_interest_is_rounded_half_up_to_the_fen(face, rate_bp, days, interest):
    start, maturity = date(2025, 3, 3), date(2025, 4, 8)  # both business days, 36 days apart
    quote = quote_discount(face, rate_bp, start, maturity, CALENDAR)
    assert (quote.days, quote.interest_fen, quote.proceeds_fen) == (days, interest, face - interest)


def test_rounding_half_up_is_exact_integer_arithmetic():
    assert [round_half_up(n, 4) for n in (1, 2, 3, 6, 10**30 + 2)] == [0, 1, 1, 2, 25 * 10**28 + 1]


# --- events and the read side ------------------------------------------------------------------


def test_events_are_json_safe_and_read_back_equal_and_rebuild_the_bill(world, circulating):
    flow, tier2, bank = circulating, world.enterprise(), world.bank()
    flow.endorse(flow.payee, 1, 30_000_000, tier2)
    flow.act("bill.discount", tier2, start=1, end=30_000_000, bank=bank, rate_bp=163)
    flow.act("bill.sign", bank, start=1)
    wire = json.loads(json.dumps([event.to_dict() for event in flow.events]))
    events = [event_from_dict(data) for data in wire]
    assert events == flow.events
    assert wire[0]["at"].endswith("Z") and isinstance(wire[0]["amount_fen"], int)
    rebuilt = None
    for event in events:
        rebuilt = evolve(rebuilt, event)
    assert rebuilt == flow.bill


def test_an_unknown_event_name_is_refused():
    with pytest.raises(ValidationFailed):
        event_from_dict({"name": "bill_forged"})
    with pytest.raises(ValidationFailed):
        event_from_dict({"name": "bill_revoked", "drawer": "x"})


def test_the_read_side_shows_holdings_parties_and_pending_requests(world, circulating):
    flow, tier2, bank = circulating, world.enterprise(), world.bank()
    flow.endorse(flow.payee, 1, 30_000_000, tier2)
    flow.act("bill.pledge", flow.payee, start=30_000_001, end=MILLION_YUAN, pledgee=bank)
    assert amount_held_by(flow.bill, flow.payee).yuan() == "700000.00"
    assert amount_held_by(flow.bill, tier2).fen == 30_000_000
    assert amount_held_by(flow.bill, world.enterprise()).fen == 0
    assert parties_on(flow.bill) == {flow.drawer, flow.acceptor, flow.payee, tier2, bank}
    rows = json.loads(json.dumps(range_map(flow.bill)))
    assert [row["holder"] for row in rows] == [tier2, flow.payee]
    assert rows[1]["pending"] == {
        "type": "pledge",
        "requester": flow.payee,
        "counterparty": bank,
        "deadline": "2025-04-24",
    }


def test_a_range_that_starts_nowhere_is_refused(world, circulating):
    with pytest.raises(BillRangeInvalid):
        circulating.act("bill.sign", world.bank(), start=2)


def test_decide_depends_only_on_its_arguments(world, circulating):
    body = {"start": 1, "end": 10, "endorsee": world.enterprise()}
    command = BillCommand("bill.endorse", circulating.payee, body)
    context = world.context(CIRCULATION_DAY)
    assert decide(circulating.bill, command, context) == decide(circulating.bill, command, context)


@pytest.mark.parametrize(
    ("type", "body"),
    [("bill.accept", {}), ("bill.sign", {"start": 1}), ("bill.tick", {})],
)
def test_a_bill_that_was_never_issued_is_not_found(world, type, body):
    command = BillCommand(type, world.operator(), body)
    with pytest.raises(BillNotFound) as caught:
        apply(None, command, world.context(ISSUE_DAY))
    assert caught.value.code == "BILL_NOT_FOUND"
