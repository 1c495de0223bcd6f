"""VAT rates and the integer arithmetic of invoice lines (no float, no Decimal).

The legal set, in basis points:

- 1300, 900, 600 — the general VAT rates (增值税税率) since 2019-04-01 (财政部 税务总局 海关总署
  公告2019年第39号 cut 16% → 13% and 10% → 9%; 6% for most services).
- 0 — zero rate (零税率) for exports and cross-border services.
- 500, 300 — simplified-collection rates (简易计税 征收率): 5% for e.g. sales and leases of real
  estate and labour dispatch, 3% for small-scale taxpayers (小规模纳税人).
- 100 — the reduced 1% simplified-collection rate for small-scale taxpayers' 3% sales
  (财政部 税务总局公告2023年第19号, extended to 2027-12-31).

Quantities are integers of millionths of the stated unit (``QUANTITY_SCALE``): on the wire a
decimal string with at most six places ("12.5" → 12_500_000). A line's amount is
quantity × unit price rounded half-up to the fen; its tax is amount × rate rounded half-up to
the fen. Both are computed per line, and the lines must add up to the totals exactly.
"""

from __future__ import annotations

LEGAL_RATES_BP = frozenset({1300, 900, 600, 500, 300, 100, 0})
QUANTITY_SCALE = 10**6
BASIS_POINTS = 10_000


def divide_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half away from zero, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def line_amount_fen(quantity_micro: int, unit_price_fen: int) -> int:
    """Quantity (millionths) × unit price (fen), rounded half-up to the fen."""
    return divide_half_up(quantity_micro * unit_price_fen, QUANTITY_SCALE)


def line_tax_fen(amount_fen: int, rate_bp: int) -> int:
    """Amount × rate (basis points), rounded half-up to the fen."""
    return divide_half_up(amount_fen * rate_bp, BASIS_POINTS)


def is_legal_rate(rate_bp: int) -> bool:
    return rate_bp in LEGAL_RATES_BP


def format_quantity(quantity_micro: int) -> str:
    """The one spelling of a quantity: ``12_500_000`` → ``"12.5"``, ``2_000_000`` → ``"2"``."""
    whole, fraction = divmod(quantity_micro, QUANTITY_SCALE)
    if not fraction:
        return str(whole)
    return f"{whole}.{fraction:06d}".rstrip("0")
