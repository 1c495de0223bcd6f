"""The bill's clock: presentment window, answer deadlines, request lapses, limitation periods.

Every period is counted in China calendar dates and, where the law counts to a last day, that
day is rolled to the following business day when it is not one (票据法 Art. 107 with 民法典
Art. 203: a period whose last day is a holiday ends on the next working day).
"""

from __future__ import annotations

from datetime import date, timedelta

from services.bills.domain.bill import PRESENTMENT_WINDOW_DAYS, REQUEST_LIFETIME_BUSINESS_DAYS, Bill
from services.bills.domain.calendar import BusinessCalendar, add_months

PRIMARY_LIMITATION_MONTHS = 24  # against drawer and acceptor, from maturity (Art. 17(1))
RECOURSE_LIMITATION_MONTHS = 6  # against prior endorsers, from dishonour (Art. 17(3))
FURTHER_RECOURSE_LIMITATION_MONTHS = 3  # 再追索, from the claimant's own settlement (Art. 17(4))


def presentment_window_end(bill: Bill, calendar: BusinessCalendar) -> date:
    """Last day to present for payment in time, and to endorse, pledge or guarantee at all."""
    return calendar.adjust_following(bill.maturity_date + timedelta(days=PRESENTMENT_WINDOW_DAYS))


def last_day_before_maturity(bill: Bill) -> date:
    """Acceptance, receipt and discount must happen before the maturity date."""
    return bill.maturity_date - timedelta(days=1)


def request_deadline(today: date, last_allowed: date | None, calendar: BusinessCalendar) -> date:
    """When a two-phase request lapses: the platform lifetime, capped by the act's own last day."""
    lapse = calendar.add_business_days(today, REQUEST_LIFETIME_BUSINESS_DAYS)
    return lapse if last_allowed is None else min(lapse, last_allowed)


def payment_answer_deadline(presented_on: date, calendar: BusinessCalendar) -> date:
    """The acceptor answers "当日至迟次日": by the business day after the day it received the
    presentment (a presentment on a holiday is received on the next business day)."""
    return calendar.next_business_day(calendar.adjust_following(presented_on))


def agent_answer_day(deadline: date, calendar: BusinessCalendar) -> date:
    """Day three: the acceptor's access institution answers in its place from this day."""
    return calendar.next_business_day(deadline)


def primary_limit(bill: Bill, calendar: BusinessCalendar) -> date:
    """Last day to claim against the drawer or the acceptor (and their guarantors)."""
    return calendar.adjust_following(add_months(bill.maturity_date, PRIMARY_LIMITATION_MONTHS))


def secondary_limit(since: date, months: int, calendar: BusinessCalendar) -> date:
    """Last day to claim against a prior endorser (or its guarantor)."""
    return calendar.adjust_following(add_months(since, months))
