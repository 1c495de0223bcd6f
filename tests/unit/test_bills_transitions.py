"""The transition matrix: every operation from every reachable state, by its natural actor.

Each state is reached through the real domain from a fresh world (random parties and package
numbers). Each operation is signed by the party that would normally do it in that state — the
holder, the acceptor, the counterparty of the pending request — so a refusal here is the
state's refusal, never a wrong-signer one. Allowed operations must produce events; all others
must be refused with exactly the code in the tables (and leave the bill untouched).
"""

from __future__ import annotations

from datetime import date

import pytest

from services.bills.domain import holdings, recourse_targets
from tests.support.bills_factories import (
    CALENDAR,
    ISSUE_DAY,
    MILLION_YUAN,
    Flow,
    World,
    accepted_bill,
    delivered_bill,
    drafted_bill,
    issue_body,
)

CIRCULATION_DAY = date(2025, 4, 10)  # a Thursday, well before maturity
PAYMENT_DAY = date(2025, 10, 9)  # first business day after the 2025-10-01 maturity
AFTER_WINDOW = date(2025, 10, 13)  # the window ended on Saturday 2025-10-11 (a working day)

CODES = {
    "EXIST": "BILL_EXISTS",
    "STATE": "BILL_INVALID_STATE",
    "PEND": "BILL_REQUEST_PENDING",
    "NOREQ": "BILL_NO_PENDING_REQUEST",
    "DISH": "BILL_DISHONOURED",
    "NODIS": "BILL_NOT_DISHONOURED",
    "PLDG": "BILL_RANGE_PLEDGED",
    "NOPLG": "BILL_NOT_PLEDGED",
    "NT": "BILL_NOT_TRANSFERABLE",
    "NODUE": "BILL_NOT_DUE",
    "MATUR": "BILL_MATURED",
    "WINDW": "BILL_PRESENTMENT_WINDOW_CLOSED",
    "NOENT": "BILL_NOT_ENTERPRISE",
    "NOBNK": "BILL_NOT_BANK",
}

PACKAGE_OPERATIONS = """
state                     issue p_acc accept r_acc p_rec receive r_rec revoke tick
drafted                   EXIST ok    NOREQ  NOREQ STATE NOREQ   NOREQ ok     ok
guarantee-before-delivery EXIST PEND  NOREQ  NOREQ STATE NOREQ   NOREQ PEND   ok
acceptance-presented      EXIST STATE ok     ok    STATE NOREQ   NOREQ PEND   ok
acceptance-refused        EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ ok     ok
accepted                  EXIST STATE NOREQ  NOREQ ok    NOREQ   NOREQ ok     ok
receipt-presented         EXIST STATE NOREQ  NOREQ STATE ok      ok    PEND   ok
revoked                   EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
circulating               EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
endorsement-requested     EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
guarantee-requested       EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
pledge-requested          EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
pledged                   EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
release-requested         EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
discount-requested        EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
discounted                EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
rediscount-requested      EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
drawer-marked             EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
endorser-marked           EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
matured                   EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
payment-presented         EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
paid                      EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
dishonoured               EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
recourse-claimed          EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
recourse-settled          EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
discharged                EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
window-closed             EXIST STATE NOREQ  NOREQ STATE NOREQ   NOREQ STATE  ok
"""

RANGE_OPERATIONS = """
state                     endorse guarantee pledge release discount rediscount
drafted                   STATE   ok        STATE  STATE   STATE    STATE
guarantee-before-delivery STATE   PEND      STATE  STATE   STATE    STATE
acceptance-presented      STATE   STATE     STATE  STATE   STATE    STATE
acceptance-refused        STATE   STATE     STATE  STATE   STATE    STATE
accepted                  STATE   ok        STATE  STATE   STATE    STATE
receipt-presented         STATE   STATE     STATE  STATE   STATE    STATE
revoked                   STATE   STATE     STATE  STATE   STATE    STATE
circulating               ok      ok        ok     NOPLG   ok       NOBNK
endorsement-requested     PEND    PEND      PEND   PEND    PEND     PEND
guarantee-requested       PEND    PEND      PEND   PEND    PEND     PEND
pledge-requested          PEND    PEND      PEND   PEND    PEND     PEND
pledged                   PLDG    ok        PLDG   ok      PLDG     PLDG
release-requested         PEND    PEND      PEND   PEND    PEND     PEND
discount-requested        PEND    PEND      PEND   PEND    PEND     PEND
discounted                NOENT   ok        ok     NOPLG   NOENT    ok
rediscount-requested      PEND    PEND      PEND   PEND    PEND     PEND
drawer-marked             NT      ok        NT     NOPLG   NT       NT
endorser-marked           NT      ok        ok     NOPLG   ok       NOBNK
matured                   ok      ok        ok     NOPLG   MATUR    MATUR
payment-presented         PEND    PEND      PEND   PEND    PEND     PEND
paid                      STATE   STATE     STATE  STATE   STATE    STATE
dishonoured               DISH    DISH      DISH   NOPLG   DISH     DISH
recourse-claimed          DISH    DISH      DISH   PEND    DISH     DISH
recourse-settled          DISH    DISH      DISH   NOPLG   DISH     DISH
discharged                STATE   STATE     STATE  STATE   STATE    STATE
window-closed             WINDW   WINDW     WINDW  NOPLG   MATUR    MATUR
"""

SETTLEMENT_OPERATIONS = """
state                     present pay   dishonour claim settle sign  reject withdraw
drafted                   STATE   NOREQ NOREQ     STATE NOREQ  NOREQ NOREQ  NOREQ
guarantee-before-delivery STATE   NOREQ NOREQ     STATE NOREQ  ok    ok     ok
acceptance-presented      STATE   NOREQ NOREQ     STATE NOREQ  NOREQ NOREQ  ok
acceptance-refused        STATE   NOREQ NOREQ     STATE NOREQ  NOREQ NOREQ  NOREQ
accepted                  STATE   NOREQ NOREQ     STATE NOREQ  NOREQ NOREQ  NOREQ
receipt-presented         STATE   NOREQ NOREQ     STATE NOREQ  NOREQ NOREQ  ok
revoked                   STATE   NOREQ NOREQ     STATE NOREQ  NOREQ NOREQ  NOREQ
circulating               NODUE   NOREQ NOREQ     NODIS NOREQ  NOREQ NOREQ  NOREQ
endorsement-requested     PEND    NOREQ NOREQ     NODIS NOREQ  ok    ok     ok
guarantee-requested       PEND    NOREQ NOREQ     NODIS NOREQ  ok    ok     ok
pledge-requested          PEND    NOREQ NOREQ     NODIS NOREQ  ok    ok     ok
pledged                   NODUE   NOREQ NOREQ     NODIS NOREQ  NOREQ NOREQ  NOREQ
release-requested         PEND    NOREQ NOREQ     NODIS NOREQ  ok    ok     ok
discount-requested        PEND    NOREQ NOREQ     NODIS NOREQ  ok    ok     ok
discounted                NODUE   NOREQ NOREQ     NODIS NOREQ  NOREQ NOREQ  NOREQ
rediscount-requested      PEND    NOREQ NOREQ     NODIS NOREQ  ok    ok     ok
drawer-marked             NODUE   NOREQ NOREQ     NODIS NOREQ  NOREQ NOREQ  NOREQ
endorser-marked           NODUE   NOREQ NOREQ     NODIS NOREQ  NOREQ NOREQ  NOREQ
matured                   ok      NOREQ NOREQ     NODIS NOREQ  NOREQ NOREQ  NOREQ
payment-presented         PEND    ok    ok        NODIS NOREQ  NOREQ NOREQ  ok
paid                      STATE   NOREQ NOREQ     STATE NOREQ  NOREQ NOREQ  NOREQ
dishonoured               DISH    NOREQ NOREQ     ok    NOREQ  NOREQ NOREQ  NOREQ
recourse-claimed          DISH    NOREQ NOREQ     PEND  ok     NOREQ ok     ok
recourse-settled          DISH    NOREQ NOREQ     ok    NOREQ  NOREQ NOREQ  NOREQ
discharged                STATE   NOREQ NOREQ     STATE NOREQ  NOREQ NOREQ  NOREQ
window-closed             ok      NOREQ NOREQ     NODIS NOREQ  NOREQ NOREQ  NOREQ
"""


# --- reaching each state ---------------------------------------------------------------------


def _holder(flow: Flow) -> str:
    return flow.range(1).holder


def _circulating(world: World, **options) -> Flow:
    return delivered_bill(world, **options).on(CIRCULATION_DAY)


COUNTERPARTY_FIELD = {
    "bill.endorse": "endorsee",
    "bill.guarantee": "guarantor",
    "bill.pledge": "pledgee",
    "bill.discount": "bank",
}


def _with_request(type: str, counterparty_kind: str, **body):
    def build(world: World) -> Flow:
        flow = _circulating(world)
        counterparty = {COUNTERPARTY_FIELD[type]: world.party(counterparty_kind)}
        flow.act(type, _holder(flow), start=1, end=flow.range(1).end, **body, **counterparty)
        return flow

    return build


def _pledged(world: World) -> Flow:
    flow = _with_request("bill.pledge", "bank")(world)
    flow.act("bill.sign", flow.range(1).pending.counterparty, start=1)
    return flow


def _discounted(world: World) -> Flow:
    flow = _with_request("bill.discount", "bank", rate_bp=200)(world)
    flow.act("bill.sign", flow.range(1).pending.counterparty, start=1)
    return flow


def _endorser_marked(world: World) -> Flow:
    flow = _circulating(world)
    flow.endorse(flow.payee, 1, flow.range(1).end, world.enterprise(), not_transferable=True)
    return flow


def _matured(world: World) -> Flow:
    return _circulating(world).on(PAYMENT_DAY)


def _presented(world: World) -> Flow:
    flow = _matured(world)
    flow.act("bill.present_payment", flow.payee, start=1)
    return flow


def _dishonoured(world: World) -> Flow:
    flow = _presented(world)
    flow.act("bill.dishonour", flow.acceptor, start=1, reason="insufficient funds")
    return flow


def _recourse_claimed(world: World) -> Flow:
    flow = _dishonoured(world)
    flow.act("bill.claim_recourse", flow.payee, start=1, against=flow.drawer)
    return flow


def _recourse_settled(world: World) -> Flow:
    flow = _circulating(world)
    tier2 = world.enterprise()
    flow.endorse(flow.payee, 1, flow.range(1).end, tier2)
    flow.on(PAYMENT_DAY).act("bill.present_payment", tier2, start=1)
    flow.act("bill.dishonour", flow.acceptor, start=1, reason="insufficient funds")
    flow.act("bill.claim_recourse", tier2, start=1, against=flow.payee)
    flow.act("bill.settle_recourse", flow.payee, start=1)
    return flow


def _then(build, type: str, actor: str, **body):
    def then(world: World) -> Flow:
        flow = build(world)
        flow.act(type, getattr(flow, actor), **body)
        return flow

    return then


STATES = {
    "drafted": drafted_bill,
    "guarantee-before-delivery": lambda world: _guarantee_before_delivery(world),
    "acceptance-presented": _then(drafted_bill, "bill.present_acceptance", "drawer"),
    "acceptance-refused": _then(
        _then(drafted_bill, "bill.present_acceptance", "drawer"),
        "bill.refuse_acceptance",
        "acceptor",
        reason="no credit line",
    ),
    "accepted": accepted_bill,
    "receipt-presented": _then(accepted_bill, "bill.present_receipt", "drawer"),
    "revoked": _then(drafted_bill, "bill.revoke", "drawer"),
    "circulating": _circulating,
    "endorsement-requested": _with_request("bill.endorse", "enterprise"),
    "guarantee-requested": _with_request("bill.guarantee", "bank"),
    "pledge-requested": _with_request("bill.pledge", "bank"),
    "pledged": _pledged,
    "release-requested": _then(_pledged, "bill.release_pledge", "payee", start=1),
    "discount-requested": _with_request("bill.discount", "bank", rate_bp=200),
    "discounted": _discounted,
    "rediscount-requested": lambda world: _rediscount_requested(world),
    "drawer-marked": lambda world: _circulating(world, not_transferable=True),
    "endorser-marked": _endorser_marked,
    "matured": _matured,
    "payment-presented": _presented,
    "paid": _then(_presented, "bill.pay", "acceptor", start=1),
    "dishonoured": _dishonoured,
    "recourse-claimed": _recourse_claimed,
    "recourse-settled": _recourse_settled,
    "discharged": lambda world: _discharged(world),
    "window-closed": lambda world: _circulating(world).on(AFTER_WINDOW),
}


def _guarantee_before_delivery(world: World) -> Flow:
    flow = drafted_bill(world)
    flow.act("bill.guarantee", flow.drawer, start=1, end=flow.range(1).end, guarantor=world.bank())
    return flow


def _rediscount_requested(world: World) -> Flow:
    flow = _discounted(world)
    bank = flow.range(1).holder
    flow.act(
        "bill.rediscount", bank, start=1, end=flow.range(1).end, bank=world.bank(), rate_bp=180
    )
    return flow


def _discharged(world: World) -> Flow:
    flow = _dishonoured(world)
    flow.act("bill.claim_recourse", flow.payee, start=1, against=flow.acceptor)
    flow.act("bill.settle_recourse", flow.acceptor, start=1)
    return flow


# --- each operation by its natural actor -----------------------------------------------------


def _natural(operation: str, flow: Flow, world: World) -> tuple[str, str, dict]:
    whole = {"start": 1, "end": flow.range(1).end}
    pending = flow.range(1).pending
    holder = _holder(flow)
    creditor = flow.range(1).creditor
    answerer = pending.counterparty if pending else world.enterprise()
    reissue = {"package_no": flow.bill.package_no, "issue_date": flow.bill.issue_date.isoformat()}
    table = {
        "issue": ("bill.issue", flow.drawer, issue_body(flow, **reissue)),
        "p_acc": ("bill.present_acceptance", flow.drawer, {}),
        "accept": ("bill.accept", flow.acceptor, {}),
        "r_acc": ("bill.refuse_acceptance", flow.acceptor, {"reason": "no"}),
        "p_rec": ("bill.present_receipt", flow.drawer, {}),
        "receive": ("bill.receive", flow.payee, {}),
        "r_rec": ("bill.refuse_receipt", flow.payee, {"reason": "no"}),
        "revoke": ("bill.revoke", flow.drawer, {}),
        "tick": ("bill.tick", world.operator(), {}),
        "endorse": ("bill.endorse", holder, {**whole, "endorsee": world.enterprise()}),
        "guarantee": ("bill.guarantee", holder, {**whole, "guarantor": world.bank()}),
        "pledge": ("bill.pledge", holder, {**whole, "pledgee": world.bank()}),
        "release": ("bill.release_pledge", holder, {"start": 1}),
        "discount": ("bill.discount", holder, {**whole, "bank": world.bank(), "rate_bp": 200}),
        "rediscount": ("bill.rediscount", holder, {**whole, "bank": world.bank(), "rate_bp": 200}),
        "present": ("bill.present_payment", creditor, {"start": 1}),
        "pay": ("bill.pay", flow.acceptor, {"start": 1}),
        "dishonour": ("bill.dishonour", flow.acceptor, {"start": 1, "reason": "no funds"}),
        "claim": ("bill.claim_recourse", creditor, {"start": 1, "against": flow.drawer}),
        "settle": ("bill.settle_recourse", pending.counterparty if pending else flow.drawer),
        "sign": ("bill.sign", answerer, {"start": 1}),
        "reject": ("bill.reject", answerer, {"start": 1}),
        "withdraw": ("bill.withdraw", pending.requester if pending else holder, {"start": 1}),
    }
    table["settle"] = (*table["settle"], {"start": 1})
    return table[operation]


def _cases():
    for text in (PACKAGE_OPERATIONS, RANGE_OPERATIONS, SETTLEMENT_OPERATIONS):
        header, *rows = text.strip().splitlines()
        operations = header.split()[1:]
        for row in rows:
            state, *cells = row.split()
            assert len(cells) == len(operations), row
            for operation, cell in zip(operations, cells, strict=True):
                yield pytest.param(state, operation, cell, id=f"{state}-{operation}")


def test_the_tables_cover_every_state_and_every_operation():
    seen = {(state, operation) for state, operation, _ in (c.values for c in _cases())}
    assert {state for state, _ in seen} == set(STATES)
    assert len(seen) == len(STATES) * 23


@pytest.mark.parametrize(("state", "operation", "expected"), list(_cases()))
def test_each_operation_from_each_state_succeeds_or_is_refused_with_its_code(
    state, operation, expected
):
    world = World()
    flow = STATES[state](world)
    type, actor, body = _natural(operation, flow, world)
    if expected == "ok":
        events = flow.act(type, actor, **body)
        assert events or operation == "tick", f"{type} in {state} produced no event"
    else:
        flow.refused(CODES[expected], type, actor, **body)


# --- recourse (追索): who owes whom, until when ---------------------------------------------


def _dishonoured_after(flow: Flow, holder: str, start: int = 1, on: date = PAYMENT_DAY) -> Flow:
    flow.on(on).act("bill.present_payment", holder, start=start)
    flow.act("bill.dishonour", flow.acceptor, start=start, reason="insufficient funds")
    return flow


def _settles(flow: Flow, claimant: str, against: str, start: int = 1) -> None:
    flow.act("bill.claim_recourse", claimant, start=start, against=against)
    flow.act("bill.settle_recourse", against, start=start)


def test_a_holder_may_claim_any_prior_party_and_each_payer_claims_further_back():
    world = World()
    flow = _circulating(world)
    tier2, tier3 = world.enterprise(), world.enterprise()
    flow.endorse(flow.payee, 1, MILLION_YUAN, tier2)
    flow.endorse(tier2, 1, MILLION_YUAN, tier3)
    _dishonoured_after(flow, tier3)
    liable = recourse_targets(flow.bill, flow.range(1), CALENDAR)
    assert liable == {
        flow.acceptor: date(2027, 10, 1),
        flow.drawer: date(2027, 10, 1),
        flow.payee: date(2026, 4, 9),  # six months after the 2025-10-09 dishonour
        tier2: date(2026, 4, 9),
    }
    _settles(flow, tier3, flow.payee)  # skipping tier2: jointly and severally
    flow.refused("BILL_NOT_LIABLE", "bill.claim_recourse", flow.payee, start=1, against=tier2)
    _settles(flow, flow.payee, flow.drawer)
    flow.refused("BILL_NOT_LIABLE", "bill.claim_recourse", flow.drawer, start=1, against=flow.payee)
    _settles(flow, flow.drawer, flow.acceptor)
    assert (flow.range(1).status, flow.bill.status) == ("discharged", "settled")
    assert [s.settled_by for s in flow.range(1).recourse] == [
        flow.payee,
        flow.drawer,
        flow.acceptor,
    ]


def test_an_endorser_who_wrote_not_transferable_owes_only_its_own_endorsee():
    world = World()
    flow, tier2, bank = _circulating(world), world.enterprise(), world.bank()
    flow.endorse(flow.payee, 1, MILLION_YUAN, tier2, not_transferable=True)
    flow.act("bill.discount", tier2, start=1, end=MILLION_YUAN, bank=bank, rate_bp=150)
    flow.act("bill.sign", bank, start=1)
    _dishonoured_after(flow, bank)
    flow.refused("BILL_NOT_LIABLE", "bill.claim_recourse", bank, start=1, against=flow.payee)
    _settles(flow, bank, tier2)
    _settles(flow, tier2, flow.payee)  # its own endorsee may still claim against it


def test_after_late_presentment_only_the_drawer_and_acceptor_owe():
    world = World()
    flow, tier2 = _circulating(world), world.enterprise()
    flow.endorse(flow.payee, 1, MILLION_YUAN, tier2)
    _dishonoured_after(flow, tier2, on=AFTER_WINDOW)
    assert flow.range(1).dishonour.late_presentment
    flow.refused("BILL_NOT_LIABLE", "bill.claim_recourse", tier2, start=1, against=flow.payee)
    _settles(flow, tier2, flow.drawer)


def test_a_holder_who_had_endorsed_the_range_has_no_claim_on_the_parties_in_between():
    world = World()
    flow, tier2 = _circulating(world), world.enterprise()
    flow.endorse(flow.payee, 1, MILLION_YUAN, tier2)
    flow.endorse(tier2, 1, MILLION_YUAN, flow.payee)  # 回头背书: back to the payee
    _dishonoured_after(flow, flow.payee)
    flow.refused("BILL_NOT_LIABLE", "bill.claim_recourse", flow.payee, start=1, against=tier2)
    assert set(recourse_targets(flow.bill, flow.range(1), CALENDAR)) == {flow.drawer, flow.acceptor}


def test_a_guarantor_owes_what_its_party_owes_and_after_paying_stands_in_its_place():
    world = World()
    flow, tier2, guarantor = _circulating(world), world.enterprise(), world.bank()
    flow.act("bill.guarantee", flow.payee, start=1, end=MILLION_YUAN, guarantor=guarantor)
    flow.act("bill.sign", guarantor, start=1)
    flow.endorse(flow.payee, 1, MILLION_YUAN, tier2)
    _dishonoured_after(flow, tier2)
    _settles(flow, tier2, guarantor)
    assert set(recourse_targets(flow.bill, flow.range(1), CALENDAR)) == {
        flow.payee,
        flow.drawer,
        flow.acceptor,
    }
    flow.refused("BILL_NOT_LIABLE", "bill.claim_recourse", guarantor, start=1, against=tier2)
    _settles(flow, guarantor, flow.payee)


@pytest.mark.parametrize(
    ("claim_day", "against", "outcome"),
    [
        (date(2026, 4, 9), "payee", "ok"),  # six months after the 2025-10-09 dishonour
        (date(2026, 4, 10), "payee", "BILL_RECOURSE_TIME_BARRED"),
        (date(2026, 4, 10), "drawer", "ok"),  # two years after maturity
        (date(2027, 10, 1), "acceptor", "ok"),
        (date(2027, 10, 4), "acceptor", "BILL_RECOURSE_TIME_BARRED"),
        (date(2027, 10, 4), "drawer", "BILL_RECOURSE_TIME_BARRED"),
    ],
)
def test_recourse_is_time_barred_after_its_limitation_period(claim_day, against, outcome):
    world = World()
    flow, tier2 = _circulating(world), world.enterprise()
    flow.endorse(flow.payee, 1, MILLION_YUAN, tier2)
    _dishonoured_after(flow, tier2)  # presented and dishonoured on Thursday 2025-10-09
    claim = {"start": 1, "against": getattr(flow, against)}
    if outcome == "ok":
        flow.on(claim_day).act("bill.claim_recourse", tier2, **claim)
    else:
        flow.on(claim_day).refused(outcome, "bill.claim_recourse", tier2, **claim)


def test_a_further_claim_by_a_party_who_paid_is_barred_three_months_after_it_paid():
    world = World()
    flow, tier2, tier3 = _circulating(world), world.enterprise(), world.enterprise()
    flow.endorse(flow.payee, 1, MILLION_YUAN, tier2)
    flow.endorse(tier2, 1, MILLION_YUAN, tier3)
    _dishonoured_after(flow, tier3)
    flow.on(date(2025, 10, 20))
    _settles(flow, tier3, tier2)
    claim = {"start": 1, "against": flow.payee}
    flow.on(date(2026, 1, 21)).refused(
        "BILL_RECOURSE_TIME_BARRED", "bill.claim_recourse", tier2, **claim
    )
    flow.on(date(2026, 1, 20)).act("bill.claim_recourse", tier2, **claim)


def test_a_pledgee_claims_recourse_on_a_pledged_range_and_a_rejected_claim_can_be_renewed():
    world = World()
    flow, bank = _circulating(world), world.bank()
    flow.act("bill.pledge", flow.payee, start=1, end=MILLION_YUAN, pledgee=bank)
    flow.act("bill.sign", bank, start=1)
    _dishonoured_after(flow, bank)
    claim = {"start": 1, "against": flow.drawer}
    flow.refused("BILL_RANGE_PLEDGED", "bill.claim_recourse", flow.payee, **claim)
    flow.act("bill.claim_recourse", bank, **claim)
    flow.refused("BILL_NOT_COUNTERPARTY", "bill.settle_recourse", flow.acceptor, start=1)
    flow.act("bill.reject", flow.drawer, start=1, reason="disputed")
    flow.act("bill.claim_recourse", bank, **claim, interest_fen=12_345, costs_fen=500)
    [settled] = flow.act("bill.settle_recourse", flow.drawer, start=1)
    assert settled.total_fen == MILLION_YUAN + 12_345 + 500
    assert (flow.range(1).holder, flow.range(1).pledgee) == (flow.drawer, None)


# --- scenarios -------------------------------------------------------------------------------


def _supply_chain_bill(world: World) -> tuple[Flow, str]:
    """A core enterprise's 1,000,000.00 CNY supply-chain bank acceptance bill, accepted by its
    bank and delivered to a tier-1 supplier, who passes 300,000.00 and 200,000.00 down."""
    core, core_bank, tier1 = world.enterprise(), world.bank(), world.enterprise()
    flow = Flow(world, ISSUE_DAY, core, core_bank, tier1)
    flow.act("bill.issue", core, **issue_body(flow, supply_chain=True))
    flow.act("bill.present_acceptance", core)
    flow.act("bill.accept", core_bank)
    flow.act("bill.present_receipt", core)
    flow.act("bill.receive", tier1)
    return flow.on(CIRCULATION_DAY), tier1


def test_scenario_tier_two_suppliers_are_paid_at_maturity_one_after_discounting():
    world = World()
    flow, tier1 = _supply_chain_bill(world)
    tier2a, tier2b, their_bank = world.enterprise(), world.enterprise(), world.bank()
    flow.endorse(tier1, 1, 30_000_000, tier2a)
    flow.endorse(tier1, 30_000_001, 50_000_000, tier2b)

    flow.on(date(2025, 6, 16))
    flow.act("bill.discount", tier2a, start=1, end=30_000_000, bank=their_bank, rate_bp=163)
    [discounted] = flow.act("bill.sign", their_bank, start=1)
    # 115 days to Thursday 2025-10-09 (maturity 10-01 falls in the National Day holiday);
    # interest 30,000,000 × 163/10,000 × 115/360 = 156,208.33 fen → 156,208 fen.
    assert (discounted.days, discounted.interest_fen) == (115, 156_208)
    assert discounted.proceeds_fen == 29_843_792  # 298,437.92 CNY to tier-2a

    assert holdings(flow.bill) == [
        (their_bank, 1, 30_000_000, 30_000_000),
        (tier2b, 30_000_001, 50_000_000, 20_000_000),
        (tier1, 50_000_001, 100_000_000, 50_000_000),
    ]
    flow.on(PAYMENT_DAY)
    payments = []
    for holder, start, _end, _amount in holdings(flow.bill):
        flow.act("bill.present_payment", holder, start=start)
        [paid] = flow.act("bill.pay", flow.acceptor, start=start)
        payments.append((paid.paid_to, paid.amount_fen))
    assert payments == [(their_bank, 30_000_000), (tier2b, 20_000_000), (tier1, 50_000_000)]
    assert sum(amount for _, amount in payments) == flow.bill.face.fen
    assert flow.bill.status == "settled"


def test_scenario_dishonour_sends_recourse_up_the_chain_and_a_late_claim_is_refused():
    world = World()
    flow, tier1 = _supply_chain_bill(world)
    tier2a, tier2b, tier3 = world.enterprise(), world.enterprise(), world.enterprise()
    flow.endorse(tier1, 1, 30_000_000, tier2a)
    flow.endorse(tier1, 30_000_001, 50_000_000, tier2b)
    flow.endorse(tier2a, 1, 10_000_000, tier3)

    flow.on(PAYMENT_DAY)
    for holder, start in ((tier3, 1), (tier2b, 30_000_001)):
        flow.act("bill.present_payment", holder, start=start)
    flow.on(date(2025, 10, 10))
    for start in (1, 30_000_001):
        flow.act("bill.dishonour", flow.acceptor, start=start, reason="account frozen")
    assert flow.bill.status == "dishonoured"

    flow.on(date(2025, 10, 13))
    _settles(flow, tier3, tier1)  # straight past tier-2a to the tier-1 supplier
    flow.refused("BILL_NOT_LIABLE", "bill.claim_recourse", tier1, start=1, against=tier2a)
    _settles(flow, tier1, flow.drawer)
    _settles(flow, flow.drawer, flow.acceptor)
    assert flow.range(1).status == "discharged"

    flow.on(date(2026, 4, 13))  # six months after the dishonour have run
    flow.refused(
        "BILL_RECOURSE_TIME_BARRED", "bill.claim_recourse", tier2b, start=30_000_001, against=tier1
    )
    _settles(flow, tier2b, flow.drawer, start=30_000_001)  # the drawer owes for two years
    assert flow.range(30_000_001).holder == flow.drawer
