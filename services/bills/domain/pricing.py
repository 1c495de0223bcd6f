"""Discount pricing (贴现利息): integer fen, rates in basis points a year, no float anywhere.

    interest = face × rate_bp / 10 000 × days / 360, rounded half up to the fen
    proceeds = face − interest

``days`` runs from the discount date to the maturity date **adjusted to the following business
day** (a bill maturing on a holiday is paid on the next business day, so the bank's money is
out until then). Electronic bills get no extra 异地 days: ECDS pays them electronically.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.bills.domain.calendar import BusinessCalendar
from services.bills.errors import BillMatured

BASIS_POINTS = 10_000
DAY_COUNT_BASIS = 360  # actual/360, the money-market convention Chinese banks quote discounts in


@dataclass(frozen=True)
class DiscountQuote:
    face_fen: int
    rate_bp: int
    discount_date: date
    adjusted_maturity: date
    days: int
    interest_fen: int
    proceeds_fen: int


def quote_discount(
    face_fen: int, rate_bp: int, discount_date: date, maturity: date, calendar: BusinessCalendar
) -> DiscountQuote:
    """Price a discount of ``face_fen`` at ``rate_bp`` a year on ``discount_date``.

    >>> quote = quote_discount(100_000_000, 150, date(2025, 1, 2), date(2025, 4, 2),
    ...                        BusinessCalendar())
    >>> quote.days, quote.interest_fen, quote.proceeds_fen
    (90, 375000, 99625000)
    """
    adjusted = calendar.adjust_following(maturity)
    days = (adjusted - discount_date).days
    if days <= 0:
        raise BillMatured("a bill is discounted before it is paid", {"days": days})
    interest = round_half_up(face_fen * rate_bp * days, BASIS_POINTS * DAY_COUNT_BASIS)
    return DiscountQuote(
        face_fen, rate_bp, discount_date, adjusted, days, interest, face_fen - interest
    )


def round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest int, halves away from zero (≥ 0 only)."""
    return (2 * numerator + denominator) // (2 * denominator)
