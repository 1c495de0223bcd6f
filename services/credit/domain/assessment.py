"""One party's credit assessment at one checkpoint: score, grade, PD, limit, reasons.

    snapshot = take_snapshot(book, as_of)            # the book at a checkpoint
    assess(snapshot, "ent-…", scorecard).to_dict()

Reasons (at most four, Regulation B's "principal reasons"): knock-outs first, then the
characteristics that lost the most points against their best bin (``max points − points``),
each citing the ledger entries behind the feature value. A characteristic at its best bin is
never a reason; one with no value yet (no payment due, no sales invoice) is given as a missing
record (``NO_PAYMENTS_DUE`` …), once however many characteristics it empties.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.credit.domain.features import Feature, Snapshot, features_at
from services.credit.domain.policy import Knockout, Limit, knockouts, recommended_limit
from services.credit.domain.scorecard import (
    KNOCKOUT_GRADE,
    KNOCKOUT_PD_FLOOR,
    Scorecard,
    grade_of,
)

MAX_REASONS = 4
REASONS = {
    "ontime_rate": ("LATE_PAYMENTS", "pays suppliers after the agreed due date"),
    "dbt_wavg": ("DAYS_BEYOND_TERMS", "pays many days beyond terms on average"),
    "dbt_recent": ("RECENT_LATE_PAYMENTS", "recent payments are late"),
    "late_30_count": ("PAYMENTS_OVER_30_DAYS_LATE", "payments more than 30 days late"),
    "dilution_rate": ("DILUTION", "a high share of its invoices is reversed (red-letter)"),
    "log_turnover": ("LOW_VERIFIED_TURNOVER", "little sales turnover verified by three flows"),
    "turnover_growth": ("SHRINKING_SALES", "verified sales fell over the last 90 days"),
    "three_flow_match_rate": ("THREE_FLOW_GAPS", "invoices without matching goods or contract"),
    "leverage": ("HIGH_LEVERAGE", "much financing outstanding against its verified sales"),
    "trust": ("WEAK_NETWORK_TRUST", "little on-time payment reaches it from core enterprises"),
    "distressed_buyer_share": ("DISTRESSED_BUYERS", "sells to buyers in payment distress"),
    "n_buyers": ("FEW_BUYERS", "depends on few verified buyers"),
    "tenure_days": ("SHORT_TENURE", "short history on the platform"),
    "dishonour_count": ("DISHONOURS", "dishonoured bills"),
}
# A value the ledger cannot give yet scores in the scorecard's "missing" bin. Its reason says
# that the record is missing, not that the behaviour is bad: a supplier with no payment due
# yet has not paid late.
NO_RECORD = ("NO_RECORD", "no record on the ledger yet")
_NO_PAYMENTS_DUE = ("NO_PAYMENTS_DUE", "no payment to a supplier has fallen due yet")
_NO_SALES_INVOICES = ("NO_SALES_INVOICES", "no sales invoices on the ledger yet")
MISSING = {
    **dict.fromkeys(("ontime_rate", "dbt_wavg", "dbt_recent"), _NO_PAYMENTS_DUE),
    **dict.fromkeys(("dilution_rate", "three_flow_match_rate"), _NO_SALES_INVOICES),
    "turnover_growth": ("NO_RECENT_SALES", "no sales verified in the last 180 days"),
}


@dataclass(frozen=True)
class Reason:
    code: str
    feature: str
    value: object
    points_lost: float
    text: str
    entries: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "feature": self.feature,
            "value": self.value,
            "points_lost": round(self.points_lost, 2),
            "text": self.text,
            "entries": list(self.entries),
        }


@dataclass(frozen=True)
class Assessment:
    party: str
    score: int
    grade: str
    pd: float
    limit: Limit
    reasons: tuple[Reason, ...]
    knockouts: tuple[Knockout, ...]
    features: dict[str, Feature]
    points: dict[str, float]
    model_version: str

    def to_dict(self) -> dict:
        return {
            "party": self.party,
            "score": self.score,
            "grade": self.grade,
            "pd": round(self.pd, 6),
            "limit_fen": self.limit.limit_fen,
            "limit": self.limit.to_dict(),
            "reasons": [reason.to_dict() for reason in self.reasons],
            "knockouts": [knockout.to_dict() for knockout in self.knockouts],
            "features": {name: feature.value for name, feature in self.features.items()},
            "points": {name: round(value, 2) for name, value in self.points.items()},
            "model_version": self.model_version,
        }


def assess(snapshot: Snapshot, party: str, scorecard: Scorecard) -> Assessment:
    features = features_at(snapshot, party)
    values = {name: feature.value for name, feature in features.items()}
    points = scorecard.points(values)
    raw_score = sum(points.values())
    pd = scorecard.pd(raw_score)
    found = knockouts(features)
    if found:
        pd = max(pd, KNOCKOUT_PD_FLOOR)
        raw_score = min(raw_score, scorecard.score_for_pd(KNOCKOUT_PD_FLOOR))
    grade = KNOCKOUT_GRADE if found else grade_of(pd)
    limit = recommended_limit(snapshot, party, features, int(round(pd * 1_000_000)), grade)
    reasons = _reasons(scorecard, features, points, found)
    return Assessment(
        party, int(round(raw_score)), grade, pd, limit, reasons, tuple(found), features, points,
        scorecard.version,
    )  # fmt: skip


def _reasons(scorecard, features, points, found) -> tuple[Reason, ...]:
    reasons = [
        Reason(k.code, "knockout", None, 0.0, k.text, k.entries or _fallback(features))
        for k in found
    ]
    losses = []
    for characteristic in scorecard.characteristics:
        lost = characteristic.max_points - points[characteristic.name]
        if lost > 1e-9:
            losses.append((-lost, characteristic.name))
    for negative_loss, name in sorted(losses):
        feature = features[name]
        if feature.value is None:
            code, text = MISSING.get(name, NO_RECORD)
        else:
            code, text = REASONS.get(name, (name.upper(), name))
        if any(reason.code == code for reason in reasons):
            continue  # one "no payments due" says it for all three payment characteristics
        entries = feature.entries or _fallback(features)
        reasons.append(Reason(code, name, feature.value, -negative_loss, text, entries))
    return tuple(reasons[:MAX_REASONS])


def _fallback(features: dict[str, Feature]) -> tuple[str, ...]:
    """With nothing on the ledger behind a value (no sales yet, say), the reason cites the
    party's admission: the history starts, and stops, there."""
    return features["tenure_days"].entries
