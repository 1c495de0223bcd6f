"""Properties of any history of splits, endorsements, discounts and pledges (hypothesis).

Whatever the sequence of acts — allowed or refused — the sub-ranges never overlap and always
cover [1, face]; the sum held is the face; every chain is continuous; a refused act changes
nothing; and replaying the events (through their JSON form) rebuilds the same bill.
"""

from __future__ import annotations

import json
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from services.bills.domain import event_from_dict, evolve, holdings
from services.bills.domain.bill import Bill
from services.common.errors import PlatformError
from tests.support.bills_factories import World, delivered_bill

ACTS = ("endorse", "endorse_marked", "discount", "rediscount", "pledge", "release", "guarantee")
ANSWERS = ("sign", "sign", "reject", "withdraw")

steps = st.lists(
    st.tuples(
        st.sampled_from(ACTS),
        st.integers(0, 50),  # which range
        st.integers(0, 10**6),  # where the part starts inside it
        st.integers(0, 10**6),  # how long the part is
        st.integers(0, 5),  # which counterparty
        st.sampled_from(ANSWERS),  # how a pending request is answered
    ),
    max_size=30,
)


def _assert_partition(bill: Bill) -> None:
    ranges = bill.ranges
    assert ranges[0].start == 1 and ranges[-1].end == bill.face.fen
    for left, right in zip(ranges, ranges[1:], strict=False):
        assert left.end + 1 == right.start  # no gap, no overlap
    assert all(r.start <= r.end for r in ranges)
    assert sum(amount for *_, amount in holdings(bill)) == bill.face.fen


def _assert_chains_continuous(bill: Bill) -> None:
    for sub_range in bill.ranges:
        previous = bill.payee
        for step in sub_range.chain:
            assert step.endorser == previous
            previous = step.endorsee
        assert sub_range.holder == previous


def _act(flow, parties, step) -> None:
    act, pick, offset, length, who, answer = step
    sub_range = flow.bill.ranges[pick % len(flow.bill.ranges)]
    pending = sub_range.pending
    if pending is not None:
        actor = pending.requester if answer == "withdraw" else pending.counterparty
        flow.act(f"bill.{answer}", actor, start=sub_range.start)
        return
    start = sub_range.start + offset % sub_range.amount_fen
    end = start + length % (sub_range.end - start + 1)
    part = {"start": start, "end": end}
    enterprise, bank = parties["enterprises"][who % 4], parties["banks"][who % 2]
    holder = sub_range.holder
    if act.startswith("endorse"):
        marked = act == "endorse_marked"
        flow.act("bill.endorse", holder, **part, endorsee=enterprise, not_transferable=marked)
    elif act in ("discount", "rediscount"):
        flow.act(f"bill.{act}", holder, **part, bank=bank, rate_bp=150 + who)
    elif act == "pledge":
        flow.act("bill.pledge", holder, **part, pledgee=bank)
    elif act == "guarantee":
        flow.act("bill.guarantee", holder, **part, guarantor=parties["outsider"])
    else:
        flow.act("bill.release_pledge", holder, start=sub_range.start)


def _run(face: int, splittable: bool, history) -> tuple:
    world = World()
    flow = delivered_bill(world, amount_fen=face, splittable=splittable).on(date(2025, 5, 6))
    parties = {
        "enterprises": [flow.payee, *(world.enterprise() for _ in range(3))],
        "banks": [world.bank(), world.bank()],
        "outsider": world.bank(),
    }
    for step in history:
        before = flow.bill
        try:
            _act(flow, parties, step)
        except PlatformError:
            assert flow.bill is before  # a refusal changes nothing
        _assert_partition(flow.bill)
        _assert_chains_continuous(flow.bill)
    return flow


@settings(max_examples=120, deadline=None)
@given(face=st.integers(1, 10**11), history=steps)
def test_ranges_partition_the_face_and_chains_stay_continuous_whatever_happens(face, history):
    _run(face, True, history)


@settings(max_examples=40, deadline=None)
@given(face=st.integers(1, 10**6), history=steps)
def test_an_unsplittable_bill_stays_one_range(face, history):
    flow = _run(face, False, history)
    assert [(r.start, r.end) for r in flow.bill.ranges] == [(1, face)]


@settings(max_examples=60, deadline=None)
@given(face=st.integers(1, 10**8), history=steps)
def test_replaying_the_events_alone_rebuilds_the_bill(face, history):
    flow = _run(face, True, history)
    rebuilt = None
    for data in json.loads(json.dumps([event.to_dict() for event in flow.events])):
        rebuilt = evolve(rebuilt, event_from_dict(data))
    assert rebuilt == flow.bill


@settings(max_examples=100, deadline=None)
@given(
    face=st.integers(2, 10**9),
    cut=st.tuples(st.integers(0, 10**9), st.integers(0, 10**9)),
)
def test_an_endorsement_moves_exactly_its_amount_and_conserves_the_rest(face, cut):
    world = World()
    flow = delivered_bill(world, amount_fen=face).on(date(2025, 5, 6))
    start = 1 + cut[0] % face
    end = start + cut[1] % (face - start + 1)
    endorsee = world.enterprise()
    flow.endorse(flow.payee, start, end, endorsee)
    held = {holder: 0 for holder, *_ in holdings(flow.bill)}
    for holder, _start, _end, amount in holdings(flow.bill):
        held[holder] += amount
    assert held[endorsee] == end - start + 1
    assert held.get(flow.payee, 0) == face - (end - start + 1)
    assert len(flow.bill.ranges) == 1 + (start > 1) + (end < face)
