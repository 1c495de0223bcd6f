"""A business-day calendar for China: weekends, configured holidays and make-up working days.

Mainland China moves working days around its public holidays (调休): some weekdays are
holidays and some Saturdays or Sundays are working days. Both lists come from configuration
(the State Council publishes them each year), so the calendar is plain data and pure.

Also here: the two date helpers the bill rules lean on — ``china_date`` (business dates are
Asia/Shanghai dates of the injected UTC clock) and ``add_months`` (tenors and limitation
periods are counted in calendar months).
"""

from __future__ import annotations

import calendar as _gregorian
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from services.bills.errors import BillCalendarInvalid

# China has kept UTC+8 without daylight saving since 1991: a fixed offset is exact and needs no
# tz database at run time.
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
_DAY = timedelta(days=1)


def china_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar date of an aware ``moment``."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no China date; pass an aware UTC time")
    return moment.astimezone(CHINA).date()


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, clamped to the month's end (08-31 + 6 → 02-28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _gregorian.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class BusinessCalendar:
    """Business days are Monday-Friday, minus ``holidays``, plus ``working_weekends`` (调休).

    >>> cal = BusinessCalendar.from_config(["2025-10-01"], ["2025-09-28"])
    >>> cal.adjust_following(date(2025, 10, 1))
    datetime.date(2025, 10, 2)
    """

    holidays: frozenset[date] = frozenset()
    working_weekends: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        clash = self.holidays & self.working_weekends
        if clash:
            days = sorted(day.isoformat() for day in clash)
            raise BillCalendarInvalid("a date is both a holiday and a working day", {"dates": days})

    @classmethod
    def from_config(
        cls, holidays: Iterable[str | date] = (), working_weekends: Iterable[str | date] = ()
    ) -> BusinessCalendar:
        """Build from ``YYYY-MM-DD`` strings (or dates), as a config file lists them."""
        return cls(frozenset(map(_as_date, holidays)), frozenset(map(_as_date, working_weekends)))

    def is_business_day(self, day: date) -> bool:
        if day in self.working_weekends:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after ``day``."""
        day += _DAY
        while not self.is_business_day(day):
            day += _DAY
        return day

    def previous_business_day(self, day: date) -> date:
        """The last business day strictly before ``day``."""
        day -= _DAY
        while not self.is_business_day(day):
            day -= _DAY
        return day

    def adjust_following(self, day: date) -> date:
        """``day`` itself if a business day, else the next one (the "following" convention)."""
        return day if self.is_business_day(day) else self.next_business_day(day)

    def add_business_days(self, day: date, count: int) -> date:
        """Roll ``day`` to a business day, then step ``count`` business days (T+n).

        Forward counts roll following, backward counts roll preceding — the semantics of
        ``numpy.busday_offset`` with ``roll="forward"``/``"backward"``: T+1 from Friday is
        Monday; T+0 from Saturday is Monday.
        """
        if count >= 0:
            day = self.adjust_following(day)
            for _ in range(count):
                day = self.next_business_day(day)
            return day
        day = day if self.is_business_day(day) else self.previous_business_day(day)
        for _ in range(-count):
            day = self.previous_business_day(day)
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """Business days in ``[start, end)``; negative when ``end`` is before ``start``."""
        if end < start:
            return -self.business_days_between(end, start)
        days = (end - start).days
        return sum(self.is_business_day(start + timedelta(days=n)) for n in range(days))


def _as_date(value: str | date) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BillCalendarInvalid(f"not a YYYY-MM-DD date: {value!r}") from None
