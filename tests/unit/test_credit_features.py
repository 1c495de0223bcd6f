"""Credit features, knock-outs, limits and reasons from ledger entries (pure: no broker)."""

from datetime import timedelta

import pytest

from services.common.projection.entry import LedgerEntry
from services.credit.domain.assessment import assess
from services.credit.domain.book import CreditBook
from services.credit.domain.features import take_snapshot
from services.credit.domain.scorecard import Scorecard
from services.credit.domain.warnings import touched_parties, warning
from tests.support.credit_factories import Scenario, concerns, score_of, small_world, world_records

SELLER, SUPPLIER, CORE, BUYER, BANK = (
    "ent-seller",
    "ent-supplier",
    "ent-core",
    "ent-buyer",
    "bank-1",
)


def scene_with_history(late_days: int = 0, extra_trades: int = 0) -> Scenario:
    """The seller sells to a core and to an SME buyer and buys from its own supplier."""
    scene = Scenario()
    for party in (SELLER, SUPPLIER, CORE, BUYER):
        scene.admit(party)
    scene.admit(BANK, "bank")
    scene.programme(BANK, CORE)
    for month in range(6):
        scene.trade(SELLER, CORE, 2_000_000, day=30 * month)
        scene.trade(SELLER, BUYER, 1_000_000, day=30 * month + 5)
        late = late_days if month == 4 else 0
        scene.trade(SUPPLIER, SELLER, 500_000, day=30 * month + 10, paid_late=late)
    for extra in range(extra_trades):
        scene.trade(SELLER, CORE, 1_500_000, day=150 + 3 * extra, terms=20)
    return scene


AS_OF = Scenario.START + timedelta(days=230)


def score(scene: Scenario, party: str = SELLER):
    return score_of(scene.records(), party, AS_OF)


# -- the book ---------------------------------------------------------------------------------


def test_the_book_takes_each_ledger_sequence_once():
    records = list(world_records())
    once = CreditBook().apply_all(records)
    twice = CreditBook().apply_all(records[:5000]).apply_all(records)
    assert twice.sequence == once.sequence and twice.skipped == once.skipped == 0
    world = small_world()
    party = next(p.party_id for p in world.parties if p.role == "sme")
    assert (
        assess(take_snapshot(once), party, Scorecard.load()).to_dict()
        == assess(take_snapshot(twice), party, Scorecard.load()).to_dict()
    )


def test_an_entry_no_domain_would_accept_changes_nothing():
    scene = scene_with_history()
    records = scene.records()
    before = score_of(records, SELLER, AS_OF).to_dict()
    junk = dict(records[-1], sequence=len(records), entry_id="f" * 64)
    junk["envelope"] = {**junk["envelope"], "type": "invoice.confirm", "body": {"number": 7}}
    forged = dict(junk, sequence=len(records) + 1, entry_id="e" * 64)
    forged["envelope"] = {"type": "bill.dishonour", "stream": "bill:1", "signer": SELLER,
                          "expected_version": 0, "body": {"start": 1, "reason": "x"}}  # fmt: skip
    assert score_of([*records, junk, forged], SELLER, AS_OF).to_dict() == before


def test_the_same_seed_gives_the_same_scores():
    world = small_world()
    smes = [p.party_id for p in world.parties if p.role == "sme"][:15]
    scorecard = Scorecard.load()
    first = take_snapshot(CreditBook().apply_all(world_records()))
    second = take_snapshot(CreditBook().apply_all(world.records()))
    for party in smes:
        assert (
            assess(first, party, scorecard).to_dict() == assess(second, party, scorecard).to_dict()
        )


# -- monotonicity -----------------------------------------------------------------------------


def test_paying_later_never_raises_the_score():
    scores = [score(scene_with_history(late)).score for late in (0, 3, 10, 25, 45, 90)]
    assert scores == sorted(scores, reverse=True)
    assert scores[-1] < scores[0]


def test_more_late_payments_never_raise_the_score():
    previous = score(scene_with_history()).score
    scene = scene_with_history()
    for month in range(3):
        scene.trade(SUPPLIER, SELLER, 400_000, day=20 + 30 * month, paid_late=40)
        current = score(scene).score
        assert current <= previous
        previous = current


def test_a_dishonour_never_raises_the_score_and_knocks_the_party_out():
    paid, dishonoured = scene_with_history(), scene_with_history()
    paid.dishonoured_bill(SELLER, SUPPLIER, 300_000, day=100, paid=True)
    dishonoured.dishonoured_bill(SELLER, SUPPLIER, 300_000, day=100)
    good, bad = score(paid), score(dishonoured)
    assert bad.score <= good.score
    assert bad.grade == "KO" and bad.limit.limit_fen == 0
    assert bad.reasons[0].code == "KO_DISHONOUR"


def test_a_verified_matched_trade_history_never_lowers_the_score():
    scores = [score(scene_with_history(extra_trades=n)).score for n in range(5)]
    assert scores == sorted(scores)


def test_a_first_verified_trade_history_does_not_score_below_an_empty_one():
    empty = Scenario()
    for party in (SELLER, CORE):
        empty.admit(party)
    empty.admit(BANK, "bank")
    empty.programme(BANK, CORE)
    traded = Scenario()
    traded.facts, traded.codes, traded.serial = list(empty.facts), dict(empty.codes), empty.serial
    for month in range(5):
        traded.trade(SELLER, CORE, 2_000_000, day=30 * month)
    assert score(traded).score >= score(empty).score


@pytest.mark.parametrize(
    "name",
    [c.name for c in Scorecard.load().characteristics],
)
def test_points_move_only_in_the_direction_of_each_characteristics_trend(name):
    characteristic = next(c for c in Scorecard.load().characteristics if c.name == name)
    points = list(characteristic.points)
    expected = sorted(points, reverse=characteristic.trend == "ascending")
    assert points == expected


# -- knock-outs, limits, reasons --------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern, code",
    [
        ("duplicate_financing", "KO_DUPLICATE_FINANCING"),
        ("reversal_after_financing", "KO_REVERSAL_AFTER_FINANCING"),
        ("invoice_without_shipment", "KO_THREE_FLOW_MISMATCH"),
        ("circular_trade", "KO_CIRCULAR_TRADE"),
    ],
)
def test_fraud_patterns_in_the_world_trip_their_knockout_rule(pattern, code):
    world = small_world()
    snapshot = take_snapshot(CreditBook().apply_all(world_records()))
    scorecard = Scorecard.load()
    fraudsters = [p for p, label in world.labels.items() if pattern in label.fraud]
    codes = set()
    for party in fraudsters:
        assessment = assess(snapshot, party, scorecard)
        codes |= {k.code for k in assessment.knockouts}
    assert code in codes


def test_a_party_without_warning_signs_is_not_knocked_out_and_gets_a_limit():
    assessment = score(scene_with_history())
    assert assessment.knockouts == ()
    assert assessment.grade != "KO"
    limit = assessment.limit
    assert limit.limit_fen == min(
        limit.borrowing_base_fen, limit.turnover_multiple_fen, limit.el_budget_fen
    )
    assert isinstance(limit.limit_fen, int) and limit.limit_fen >= 0


def test_dilution_reserves_part_of_the_borrowing_base():
    clean, diluted = scene_with_history(), scene_with_history()
    for scene, reversed_fen in ((clean, 0), (diluted, 400_000)):
        scene.trade(SELLER, CORE, 2_000_000, day=200, terms=60, reversed_fen=reversed_fen)
    assert score(diluted).limit.borrowing_base_fen < score(clean).limit.borrowing_base_fen


def test_every_reason_cites_ledger_entries_about_the_party():
    world = small_world()
    records = {r["entry_id"]: r for r in world_records()}
    book = CreditBook().apply_all(world_records())
    snapshot = take_snapshot(book)
    scorecard = Scorecard.load()
    seen_codes = set()
    for party in [p.party_id for p in world.parties if p.kind == "enterprise"]:
        assessment = assess(snapshot, party, scorecard)
        assert len(assessment.reasons) <= 4
        buyers = {book.invoices[n].buyer for n in book.parties[party].sales}
        for reason in assessment.reasons:
            seen_codes.add(reason.code)
            assert reason.entries, reason
            signed = {records[e]["envelope"]["stream"] for e in reason.entries
                      if records[e]["envelope"]["signer"] == party}  # fmt: skip
            for entry_id in reason.entries:
                record = records[entry_id]
                # a counterparty's answer (a bank signing a discount) goes with the request
                about = concerns(record, party, book) or record["envelope"]["stream"] in signed
                if reason.code == "DISTRESSED_BUYERS":
                    about = about or any(concerns(record, b, book) for b in buyers if b)
                assert about, (party, reason.code, record["envelope"]["type"])
    assert {"LATE_PAYMENTS", "DILUTION"} <= seen_codes


def test_late_payment_reasons_cite_the_late_payments():
    assessment = score(scene_with_history(late_days=45))
    records = {r["entry_id"]: r for r in scene_with_history(late_days=45).records()}
    late = [r for r in assessment.reasons if r.code in ("LATE_PAYMENTS", "DAYS_BEYOND_TERMS")]
    assert late
    types = {records[e]["envelope"]["type"] for e in late[0].entries}
    assert types == {"payment.terms_agreed", "invoice.record_payment"}


# -- early warning ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "previous, current, kind",
    [
        (None, {"score": 500, "grade": "BB"}, None),
        (None, {"score": 300, "grade": "KO"}, "knockout"),
        ({"score": 600, "grade": "A"}, {"score": 300, "grade": "KO"}, "knockout"),
        ({"score": 300, "grade": "KO"}, {"score": 300, "grade": "KO"}, None),
        ({"score": 600, "grade": "A"}, {"score": 559, "grade": "BBB"}, "score_drop"),
        ({"score": 600, "grade": "A"}, {"score": 570, "grade": "BB"}, "score_drop"),
        ({"score": 600, "grade": "A"}, {"score": 580, "grade": "BBB"}, None),
        ({"score": 500, "grade": "BB"}, {"score": 560, "grade": "A"}, None),
    ],
)
def test_sharp_deterioration_raises_an_alert(previous, current, kind):
    assert warning(previous, current) == kind


def test_new_entries_touch_the_parties_they_concern():
    scene = scene_with_history()
    records = scene.records()
    book = CreditBook().apply_all(records)
    payment = next(r for r in records if r["envelope"]["type"] == "invoice.record_payment")
    touched = touched_parties(book, [LedgerEntry.from_record(payment)])
    invoice = book.invoices[payment["envelope"]["body"]["number"]]
    assert set(touched) == {invoice.seller, invoice.buyer}


def test_a_supplier_with_no_payment_due_is_told_so_not_that_it_pays_late():
    fresh = Scenario()
    for party in (SELLER, CORE):
        fresh.admit(party)
    fresh.admit(BANK, "bank")
    codes = [reason.code for reason in score(fresh).reasons]
    assert "LATE_PAYMENTS" not in codes and "DAYS_BEYOND_TERMS" not in codes
    assert codes.count("NO_PAYMENTS_DUE") == 1, codes


def test_sales_to_a_buyer_that_sells_back_never_raise_the_limit():
    plain, looped = scene_with_history(), scene_with_history()
    looped.admit("ent-loop")
    looped.trade(SELLER, "ent-loop", 1_500_000, day=170, terms=60, paid_late=None)  # unpaid
    looped.trade("ent-loop", SELLER, 1_500_000, day=172, terms=60)
    plain_limit, looped_limit = score(plain).limit, score(looped).limit
    assert score(looped).features["circular_share"].value > 0  # seen, below the knock-out
    assert looped_limit.turnover_multiple_fen <= plain_limit.turnover_multiple_fen
    assert looped_limit.borrowing_base_fen <= plain_limit.borrowing_base_fen
