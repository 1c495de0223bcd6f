"""Who owes the creditor of a dishonoured range, and until when (追索, 票据法 Arts. 17, 34, 68-71).

The creditor (holder, or pledgee while pledged) may claim against any liable party, in any
order, jointly and severally (Art. 68). Liable are:

- the acceptor and the drawer, until two years after maturity;
- the endorsers *before* the creditor's first acquisition of the range, until six months after
  dishonour — or three months after the creditor's own recourse settlement, when it took the
  range back by paying a claim (再追索). Counting from the *first* acquisition encodes Art. 69:
  a holder who endorsed the range away and got it back has no claim on the parties in between;
  a drawer holding its own bill claims only against the acceptor;
- every guarantor, for as long and to whom its guaranteed party is liable (Art. 49-52); a
  guarantor who paid stands in the guaranteed party's place and may also claim against it.

Exclusions: an endorser who wrote 不得转让 owes only its own endorsee (Art. 34 and 最高法
票据纠纷规定 Art. 53 — the later holders, discount banks and pledgees may not claim against
it). After late presentment (past the window) no endorser owes anything (Art. 65): the
acceptor and the drawer still do.
"""

from __future__ import annotations

from datetime import date

from services.bills.domain.bill import Bill, SubRange
from services.bills.domain.calendar import BusinessCalendar
from services.bills.domain.timing import (
    FURTHER_RECOURSE_LIMITATION_MONTHS,
    RECOURSE_LIMITATION_MONTHS,
    primary_limit,
    secondary_limit,
)


def recourse_targets(
    bill: Bill, sub_range: SubRange, calendar: BusinessCalendar
) -> dict[str, date]:
    """Each party the range's creditor may claim against → the last day to claim."""
    if sub_range.dishonour is None:
        return {}
    creditor = sub_range.creditor
    standing, stands_in = _standing(bill, sub_range)
    if standing == bill.acceptor:
        owed = {bill.acceptor: primary_limit(bill, calendar)} if stands_in else {}
        return _with_guarantors(owed, sub_range, creditor)
    owed = {bill.acceptor: primary_limit(bill, calendar)}
    if standing != bill.drawer or stands_in:
        owed[bill.drawer] = primary_limit(bill, calendar)
    late = sub_range.dishonour is not None and sub_range.dishonour.late_presentment
    if standing != bill.drawer and not late:
        last_day = _endorser_limit(sub_range, calendar)
        for step in sub_range.chain[: _first_acquisition(bill, sub_range, standing)]:
            if not step.not_transferable or step.endorsee == creditor:
                owed.setdefault(step.endorser, last_day)
        if stands_in:
            owed.setdefault(standing, last_day)
    return _with_guarantors(owed, sub_range, creditor)


def _standing(bill: Bill, sub_range: SubRange) -> tuple[str, bool]:
    """Whose position the creditor claims from, and whether it stands in as that party's guarantor.

    A pledgee exercises its pledgor's rights; a guarantor who settled a claim exercises the
    rights of the party it guaranteed.
    """
    holder = sub_range.holder
    named = {bill.drawer, bill.acceptor, bill.payee}
    named.update(step.endorsee for step in sub_range.chain)
    if holder in named:
        return holder, False
    for guarantee in sub_range.guarantees:
        if guarantee.guarantor == holder:
            return guarantee.guaranteed, True
    return holder, False


def _first_acquisition(bill: Bill, sub_range: SubRange, party: str) -> int:
    """How many chain steps precede ``party``'s first time as holder of the range."""
    if party == bill.payee:
        return 0
    for index, step in enumerate(sub_range.chain):
        if step.endorsee == party:
            return index + 1
    return 0


def _endorser_limit(sub_range: SubRange, calendar: BusinessCalendar) -> date:
    if sub_range.recourse:
        since = sub_range.recourse[-1].on
        return secondary_limit(since, FURTHER_RECOURSE_LIMITATION_MONTHS, calendar)
    return secondary_limit(sub_range.dishonour.on, RECOURSE_LIMITATION_MONTHS, calendar)


def _with_guarantors(owed: dict[str, date], sub_range: SubRange, creditor: str) -> dict[str, date]:
    for guarantee in sub_range.guarantees:
        if guarantee.guaranteed in owed:
            owed.setdefault(guarantee.guarantor, owed[guarantee.guaranteed])
    owed.pop(creditor, None)
    owed.pop(sub_range.holder, None)
    return owed
