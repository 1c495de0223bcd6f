"""Training rows from a synthetic world: point-in-time features and the default label.

At each observation day the credit book holds exactly the entries with a ledger time before
that day's midnight (UTC) — the same as-of rule the service applies at a checkpoint — and
every SME not yet defaulted is observed: its features then, and whether it defaults within the
horizon (the label, from the world's ground truth, never on the ledger). One firm is observed
on several days; splits into training and held-out data go by firm, never by row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from services.credit.domain.book import CreditBook
from services.credit.domain.features import Feature, features_at, take_snapshot

OBSERVATION_DAYS = tuple(range(120, 511, 30))
HORIZON_DAYS = 180  # receivables and bills run at most six months: PD over the same span
PERIOD_SPLIT_DAY = 300  # PSI compares observations up to this day with those after it


@dataclass(frozen=True)
class Observation:
    party: str
    day: int
    features: dict[str, Feature]
    defaulted: bool
    fraud: tuple[str, ...]

    @property
    def period(self) -> str:
        return "A" if self.day <= PERIOD_SPLIT_DAY else "B"

    def values(self) -> dict:
        return {name: feature.value for name, feature in self.features.items()}


def observe(
    world,
    days: Iterable[int] = OBSERVATION_DAYS,
    horizon_days: int = HORIZON_DAYS,
    with_snapshots=None,
) -> list[Observation]:
    """Observations of every live SME on each of ``days``; ``with_snapshots(day, snapshot)``
    is called too (the training command assesses knock-outs on the same snapshots)."""
    pending = sorted(days)
    book, rows = CreditBook(), []
    records = iter(world.records())
    for record in records:
        while pending and record["ledger_time"] >= _midnight(world, pending[0]):
            rows += _observe_day(world, book, pending.pop(0), horizon_days, with_snapshots)
        book.apply(record)
    for day in pending:
        rows += _observe_day(world, book, day, horizon_days, with_snapshots)
    return rows


def _midnight(world, day: int) -> str:
    moment = datetime.combine(world.start + timedelta(days=day), time(0, tzinfo=UTC))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _observe_day(world, book: CreditBook, day: int, horizon: int, callback) -> list:
    as_of = datetime.combine(world.start + timedelta(days=day), time(0, tzinfo=UTC))
    snapshot = take_snapshot(book, as_of)
    if callback:
        callback(day, snapshot)
    on, until = world.start + timedelta(days=day), world.start + timedelta(days=day + horizon)
    rows = []
    for party in world.parties:
        label = world.labels[party.party_id]
        if party.role != "sme" or party.party_id not in book.parties:
            continue
        if label.default_on is not None and label.default_on <= on:
            continue
        defaulted = label.default_on is not None and label.default_on <= until
        features = features_at(snapshot, party.party_id)
        rows.append(Observation(party.party_id, day, features, defaulted, label.fraud))
    return rows


def held_out(party: str, share_pct: int = 30) -> bool:
    """A stable split by firm: the same firm is always on the same side."""
    return int(hashlib.sha256(party.encode()).hexdigest()[:8], 16) % 100 < share_pct
