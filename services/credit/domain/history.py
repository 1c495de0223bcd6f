"""A party's score over ledger time: which tree sizes to score, and what each point keeps.

The history runs from the party's admission to the latest checkpoint. In between it samples
the ledger at round instants of ledger time (China time: every day at midnight, every week on
Monday, every five seconds …), the smallest step that leaves at most ``points`` points in
all. The point for an instant is the book as it stood then: the tree size just after the last
stored entry before the instant, scored as ``score_at`` scores it. An instant already passed
always names the same tree size (ledger time never goes back), so every point but the latest
is computed once and then read from the ``score_at`` cache, however much the ledger grows.

Pure: no nameko, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count

from services.credit.domain.facts import CHINA
from services.credit.errors import CreditHistoryPointsInvalid

DEFAULT_POINTS = 12
MAX_POINTS = 24
# a Monday at midnight in China: days start and weeks begin where a reader expects them to
ANCHOR = datetime(1970, 1, 5, tzinfo=CHINA)
STEPS = tuple(
    timedelta(seconds=s)
    for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200)
) + tuple(timedelta(days=d) for d in (1, 2, 3, 7, 14, 21, 28, 56, 91, 182, 364))
POINT_FIELDS = ("tree_size", "as_of", "score", "grade", "pd", "limit_fen")


@dataclass(frozen=True)
class Position:
    """A stored entry's place on the ledger; the book up to it has ``tree_size`` entries."""

    sequence: int
    ledger_time: str

    @property
    def tree_size(self) -> int:
        return self.sequence + 1


def checked_points(points) -> int:
    """``points`` when it is an integer from 2 to ``MAX_POINTS``; else
    ``CREDIT_POINTS_INVALID``."""
    if isinstance(points, bool) or not isinstance(points, int):
        raise CreditHistoryPointsInvalid("points is an integer", {"points": repr(points)[:32]})
    if not 2 <= points <= MAX_POINTS:
        raise CreditHistoryPointsInvalid(f"points is from 2 to {MAX_POINTS}", {"points": points})
    return points


def instants(start: datetime, end: datetime, most: int) -> list[datetime]:
    """Round instants in ``(start, end]``, at most ``most``, on the smallest step that fits:
    ``instants(admitted, latest, 10)`` for a party admitted 60 days ago gives the eight or
    nine Mondays since (days are too many, weeks fit)."""
    if most < 1 or end <= start:
        return []
    for step in _steps():
        first = (start - ANCHOR) // step + 1
        last = (end - ANCHOR) // step
        if last - first + 1 <= most:
            return [ANCHOR + k * step for k in range(first, last + 1)]
    raise AssertionError("unreachable: the steps grow without bound")


def _steps():
    yield from STEPS
    for years in count(2):
        yield STEPS[-1] * years


def past_positions(found: list[Position | None], below: int) -> list[Position]:
    """The distinct positions found (admission first), below the latest tree size, in order:
    an instant that finds nothing new since the one before adds no point."""
    distinct = {p.tree_size: p for p in found if p is not None and p.tree_size < below}
    return [distinct[size] for size in sorted(distinct)]


def point(answer: dict) -> dict:
    """What the chart keeps of an assessment (``score_at(party, tree_size)`` has the rest)."""
    return {name: answer[name] for name in POINT_FIELDS}
