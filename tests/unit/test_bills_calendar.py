"""The business-day calendar: weekends, holidays, make-up working days (调休), rolling."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.bills.domain.calendar import BusinessCalendar, add_months, china_date
from services.bills.errors import BillCalendarInvalid

NATIONAL_DAY = BusinessCalendar.from_config(
    holidays=[f"2025-10-0{day}" for day in range(1, 9)],
    working_weekends=["2025-09-28", "2025-10-11"],
)
PLAIN = BusinessCalendar()


@pytest.mark.parametrize(
    ("day", "business"),
    [
        (date(2025, 9, 26), True),  # Friday
        (date(2025, 9, 27), False),  # Saturday
        (date(2025, 9, 28), True),  # Sunday, but a make-up working day
        (date(2025, 10, 1), False),  # Wednesday, National Day
        (date(2025, 10, 8), False),  # Wednesday, still the holiday
        (date(2025, 10, 9), True),  # Thursday, back at work
        (date(2025, 10, 11), True),  # Saturday, make-up working day
        (date(2025, 10, 12), False),  # Sunday
    ],
)
def test_a_day_is_a_business_day_unless_weekend_or_holiday_or_when_made_up(day, business):
    assert NATIONAL_DAY.is_business_day(day) is business


def test_weekends_alone_decide_without_configuration():
    assert PLAIN.is_business_day(date(2025, 10, 1))
    assert not PLAIN.is_business_day(date(2025, 10, 4))


def test_following_adjustment_keeps_a_business_day_and_rolls_a_holiday_to_the_next_one():
    assert NATIONAL_DAY.adjust_following(date(2025, 9, 30)) == date(2025, 9, 30)
    assert NATIONAL_DAY.adjust_following(date(2025, 10, 1)) == date(2025, 10, 9)
    assert NATIONAL_DAY.adjust_following(date(2025, 9, 27)) == date(2025, 9, 28)


def test_the_next_business_day_is_strictly_after_the_day():
    assert NATIONAL_DAY.next_business_day(date(2025, 9, 26)) == date(2025, 9, 28)
    assert NATIONAL_DAY.next_business_day(date(2025, 9, 30)) == date(2025, 10, 9)
    assert NATIONAL_DAY.next_business_day(date(2025, 10, 10)) == date(2025, 10, 11)


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (date(2025, 9, 26), 1, date(2025, 9, 28)),  # Friday + 1 = the make-up Sunday
        (date(2025, 9, 30), 1, date(2025, 10, 9)),  # across the whole holiday
        (date(2025, 10, 4), 0, date(2025, 10, 9)),  # T+0 on a holiday rolls forward
        (date(2025, 10, 4), 1, date(2025, 10, 10)),
        (date(2025, 10, 9), 2, date(2025, 10, 11)),
        (date(2025, 10, 9), -1, date(2025, 9, 30)),
        (date(2025, 10, 5), -1, date(2025, 9, 29)),  # backwards rolls preceding first
    ],
)
def test_adding_business_days_rolls_then_steps(day, count, expected):
    assert NATIONAL_DAY.add_business_days(day, count) == expected


def test_business_days_between_counts_the_half_open_interval_and_is_antisymmetric():
    start, end = date(2025, 9, 26), date(2025, 10, 13)
    # 26 (Fri), 28 (Sun, made up), 29, 30, 9, 10, 11 (Sat, made up)
    assert NATIONAL_DAY.business_days_between(start, end) == 7
    assert NATIONAL_DAY.business_days_between(end, start) == -7
    assert NATIONAL_DAY.business_days_between(start, start) == 0


def test_a_date_cannot_be_both_a_holiday_and_a_working_day():
    assert BillCalendarInvalid.code == "BILL_CALENDAR_INVALID"
    with pytest.raises(BillCalendarInvalid):
        BusinessCalendar.from_config(["2025-10-11"], ["2025-10-11"])


def test_configuration_dates_must_be_iso_dates():
    with pytest.raises(BillCalendarInvalid):
        BusinessCalendar.from_config(["11/10/2025"])


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 4, 1), 6, date(2025, 10, 1)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),  # clamped to the month's end
        (date(2023, 8, 31), 6, date(2024, 2, 29)),  # leap year
        (date(2025, 10, 10), 24, date(2027, 10, 10)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
    ],
)
def test_months_are_added_on_the_calendar_and_clamped(day, months, expected):
    assert add_months(day, months) == expected


def test_the_china_date_of_a_utc_instant_is_eight_hours_ahead():
    assert china_date(datetime(2025, 9, 30, 15, 59, tzinfo=UTC)) == date(2025, 9, 30)
    assert china_date(datetime(2025, 9, 30, 16, 0, tzinfo=UTC)) == date(2025, 10, 1)
    with pytest.raises(ValueError):
        china_date(datetime(2025, 9, 30, 16, 0))


def test_under_the_shipped_config_a_bill_maturing_in_the_national_day_week_is_priced_to_the_8th():
    """``make run``, docker compose and Kubernetes read config.yml: its 2026 calendar is what
    prices a discount there."""
    from datetime import date

    from services.bills.domain.calendar import BusinessCalendar
    from services.bills.domain.pricing import quote_discount
    from services.common.config import load_config

    config = load_config()
    calendar = BusinessCalendar.from_config(
        config["BILLS_HOLIDAYS"], config["BILLS_WORKING_WEEKENDS"]
    )
    quote = quote_discount(100_000_000, 200, date(2026, 9, 1), date(2026, 10, 3), calendar)
    assert quote.adjusted_maturity == date(2026, 10, 8)
    assert quote.days == 37
    assert quote.interest_fen == 205_556  # 1,000,000.00 × 2.00% × 37 / 360, half up
