"""The bills error tree: every refusal of a bill command carries one of these stable codes.

Four families, by how a caller should read them (the gateway maps the parents to HTTP):
``ValidationFailed`` — the command body is malformed or breaks a limit on its face;
``NotFound`` — the bill or a named party does not exist; ``Forbidden`` — this signer, or the
party named in a role, may not take that role; ``Conflict`` — the bill's current state or the
calendar does not allow the act now.
"""

from __future__ import annotations

from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed

# --- the body of the command ---------------------------------------------------------------


class BillUnknownCommand(ValidationFailed):
    """Raised when the command type is not one of the ``bill.*`` types the domain knows."""

    code = "BILL_UNKNOWN_COMMAND"


class BillFieldMissing(ValidationFailed):
    """Raised when a required body field is absent; ``details["field"]`` names it."""

    code = "BILL_FIELD_MISSING"


class BillFieldUnknown(ValidationFailed):
    """Raised when the body has a field the command does not define (signed bodies are exact)."""

    code = "BILL_FIELD_UNKNOWN"


class BillFieldInvalid(ValidationFailed):
    """Raised when a field has the wrong type or format (dates, party ids, package numbers...)."""

    code = "BILL_FIELD_INVALID"


class BillAmountInvalid(ValidationFailed):
    """Raised when an amount is not a whole number of fen, or is zero or negative."""

    code = "BILL_AMOUNT_INVALID"


class BillAmountLimit(ValidationFailed):
    """Raised when a bill's face amount exceeds 1,000,000,000.00 CNY (100,000,000,000 fen)."""

    code = "BILL_AMOUNT_LIMIT"


class BillTenorLimit(ValidationFailed):
    """Raised when maturity is more than six calendar months after the issue date."""

    code = "BILL_TENOR_LIMIT"


class BillMaturityNotAfterIssue(ValidationFailed):
    """Raised when the maturity date is on or before the issue date."""

    code = "BILL_MATURITY_NOT_AFTER_ISSUE"


class BillIssueDateNotToday(ValidationFailed):
    """Raised when the issue date is not today's China business date (no back- or post-dating)."""

    code = "BILL_ISSUE_DATE_NOT_TODAY"


class BillRangeInvalid(ValidationFailed):
    """Raised when ``[start, end]`` is empty, outside the bill, or not inside one held sub-range."""

    code = "BILL_RANGE_INVALID"


class BillNotSplittable(ValidationFailed):
    """Raised when a part of a range is named on a bill issued as not splittable."""

    code = "BILL_NOT_SPLITTABLE"


class BillSameParty(ValidationFailed):
    """Raised when one party is named in two roles that must differ (payee = drawer, ...)."""

    code = "BILL_SAME_PARTY"


class BillCalendarInvalid(ValidationFailed):
    """Raised when a business calendar names one date both a holiday and a make-up working day."""

    code = "BILL_CALENDAR_INVALID"


# --- existence -----------------------------------------------------------------------------


class BillNotFound(NotFound):
    """Raised when a command other than ``bill.issue`` names a bill that was never issued."""

    code = "BILL_NOT_FOUND"


class BillUnknownParty(NotFound):
    """Raised when a party named in the body is not an admitted party of the platform."""

    code = "BILL_UNKNOWN_PARTY"


# --- who may act ---------------------------------------------------------------------------


class BillNotHolder(Forbidden):
    """Raised when the signer is not the holder (or, for a pledged range, the pledgee) of it."""

    code = "BILL_NOT_HOLDER"


class BillNotDrawer(Forbidden):
    """Raised when a drawer's act (presenting for acceptance or receipt, revoking) is signed by
    another party."""

    code = "BILL_NOT_DRAWER"


class BillNotCounterparty(Forbidden):
    """Raised when the signer answers a request that names a different counterparty."""

    code = "BILL_NOT_COUNTERPARTY"


class BillNotRequester(Forbidden):
    """Raised when the signer withdraws a request that someone else made."""

    code = "BILL_NOT_REQUESTER"


class BillNotOperator(Forbidden):
    """Raised when ``bill.tick`` is signed by a party that is not the platform operator."""

    code = "BILL_NOT_OPERATOR"


class BillNotBank(Forbidden):
    """Raised when a role that only a bank may take is given to a non-bank (bank acceptor,
    discounting bank, both sides of a rediscount)."""

    code = "BILL_NOT_BANK"


class BillNotEnterprise(Forbidden):
    """Raised when a role that only an enterprise may take is given to another kind of party
    (drawer, payee, commercial acceptor, endorser and endorsee, discount applicant)."""

    code = "BILL_NOT_ENTERPRISE"


class BillPartyNotEligible(Forbidden):
    """Raised when a regulator or the operator is named as a pledgee or guarantor."""

    code = "BILL_PARTY_NOT_ELIGIBLE"


class BillGuarantorIsParty(Forbidden):
    """Raised when the proposed guarantor already owes on the range (票据法 Art. 45)."""

    code = "BILL_GUARANTOR_IS_PARTY"


class BillNotLiable(Forbidden):
    """Raised when recourse is claimed against a party not liable to this creditor: not a prior
    party, an endorser excused by its own 不得转让 mark, or an endorser after late presentment."""

    code = "BILL_NOT_LIABLE"


# --- the state of the bill and the calendar ------------------------------------------------


class BillExists(Conflict):
    """Raised when ``bill.issue`` names a package number that is already issued."""

    code = "BILL_EXISTS"


class BillInvalidState(Conflict):
    """Raised when the package or range is in a status where this act does not exist."""

    code = "BILL_INVALID_STATE"


class BillRequestPending(Conflict):
    """Raised when the range already has an unanswered request; it must be answered first."""

    code = "BILL_REQUEST_PENDING"


class BillNoPendingRequest(Conflict):
    """Raised when an answer or withdrawal names a range with no request of the answered kind."""

    code = "BILL_NO_PENDING_REQUEST"


class BillRequestExpired(Conflict):
    """Raised when a request is signed after its last day (the timer will record the expiry)."""

    code = "BILL_REQUEST_EXPIRED"


class BillAnswerDeadlinePassed(Conflict):
    """Raised when the acceptor of a bank acceptance bill answers a payment presentment after
    the next business day: from day three its access institution answers (see ``settlement``)."""

    code = "BILL_ANSWER_DEADLINE_PASSED"


class BillNotTransferable(Conflict):
    """Raised when a 不得转让 mark bars the act: the drawer's mark bars endorsement, discount,
    rediscount and pledge; an endorser's mark bars further endorsement."""

    code = "BILL_NOT_TRANSFERABLE"


class BillRangePledged(Conflict):
    """Raised when a pledged range is endorsed, discounted, re-pledged, or presented or claimed
    on by its holder (the pledgee exercises its rights)."""

    code = "BILL_RANGE_PLEDGED"


class BillNotPledged(Conflict):
    """Raised when a pledge release is requested for a range that is not pledged."""

    code = "BILL_NOT_PLEDGED"


class BillDishonoured(Conflict):
    """Raised when a dishonoured range is endorsed, pledged, guaranteed, discounted or presented."""

    code = "BILL_DISHONOURED"


class BillNotDishonoured(Conflict):
    """Raised when recourse is claimed on a range that was not dishonoured."""

    code = "BILL_NOT_DISHONOURED"


class BillPresentmentWindowClosed(Conflict):
    """Raised when a range is endorsed, pledged or guaranteed after the payment presentment
    window (maturity + 10 days, last day rolled to a business day) closed (票据法 Art. 36)."""

    code = "BILL_PRESENTMENT_WINDOW_CLOSED"


class BillMatured(Conflict):
    """Raised when an act that must precede maturity (acceptance, receipt, discount) comes late."""

    code = "BILL_MATURED"


class BillNotDue(Conflict):
    """Raised when payment is presented before the maturity date."""

    code = "BILL_NOT_DUE"


class BillPaymentTimeBarred(Conflict):
    """Raised when payment is presented more than two years after maturity (票据法 Art. 17)."""

    code = "BILL_PAYMENT_TIME_BARRED"


class BillRecourseTimeBarred(Conflict):
    """Raised when recourse is claimed after its limitation period (票据法 Art. 17): 2 years from
    maturity against drawer and acceptor, 6 months from dishonour against prior endorsers,
    3 months from the claimant's own recourse settlement for a further claim."""

    code = "BILL_RECOURSE_TIME_BARRED"


class BillChainBroken(Conflict):
    """Raised when a range's endorsement chain is not continuous (its holder is not the last
    endorsee); the domain never produces such a range, so this guards replayed or forged state."""

    code = "BILL_CHAIN_BROKEN"
