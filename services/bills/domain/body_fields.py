"""Parsers for the fields of bill command bodies: one function per kind of field.

Each takes the field's name (for the error's ``details["field"]``) and the raw JSON value and
returns the typed value or raises a ``ValidationFailed`` subclass with a stable code.
"""

from __future__ import annotations

import re
from datetime import date

from services.bills.domain.bill import BillKind
from services.bills.errors import (
    BillAmountInvalid,
    BillFieldInvalid,
    BillRangeInvalid,
)

_PARTY = re.compile(r"\A[A-Za-z0-9_.\-:]{1,64}\Z")  # the ledger's signer id alphabet
_DATE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")
_PACKAGE_NO = re.compile(r"\A[1-9]\d{29}\Z")
MAX_RATE_BP = 10_000  # 100% a year: anything above is a typo, not a discount rate
MAX_REASON_CHARS = 200


def _invalid(name: str, why: str) -> BillFieldInvalid:
    return BillFieldInvalid(f"{name}: {why}", {"field": name})


def _int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(name, "a whole number")
    return value


def _sub_ticket(name: str, value) -> int:
    if _int(name, value) < 1:
        raise BillRangeInvalid(f"{name}: sub-tickets are numbered from 1", {"field": name})
    return value


def _amount(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise BillAmountInvalid(f"{name}: a positive whole number of fen", {"field": name})
    return value


def _extra_fen(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BillAmountInvalid(f"{name}: zero or more whole fen", {"field": name})
    return value


def _rate(name: str, value) -> int:
    if not 0 <= _int(name, value) <= MAX_RATE_BP:
        raise _invalid(name, f"basis points a year, 0 to {MAX_RATE_BP}")
    return value


def _bool(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise _invalid(name, "true or false")
    return value


def parse_party(name: str, value) -> str:
    if not isinstance(value, str) or not _PARTY.match(value):
        raise _invalid(name, "a party id")
    return value


def _date(name: str, value) -> date:
    try:
        if isinstance(value, str) and _DATE.match(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise _invalid(name, "a YYYY-MM-DD date")


def _reason(name: str, value) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_REASON_CHARS:
        raise _invalid(name, f"text of 1 to {MAX_REASON_CHARS} characters")
    return value


def _package_no(name: str, value) -> str:
    if not isinstance(value, str) or not _PACKAGE_NO.match(value):
        raise _invalid(name, "30 digits, not starting with 0")
    return value


def _kind(name: str, value) -> BillKind:
    if value not in tuple(BillKind):
        raise _invalid(name, " or ".join(BillKind))
    return BillKind(value)


FIELD_PARSERS = {
    "package_no": _package_no,
    "kind": _kind,
    "acceptor": parse_party,
    "payee": parse_party,
    "amount_fen": _amount,
    "issue_date": _date,
    "maturity_date": _date,
    "supply_chain": _bool,
    "splittable": _bool,
    "not_transferable": _bool,
    "reason": _reason,
    "start": _sub_ticket,
    "end": _sub_ticket,
    "endorsee": parse_party,
    "guarantor": parse_party,
    "pledgee": parse_party,
    "bank": parse_party,
    "against": parse_party,
    "rate_bp": _rate,
    "interest_fen": _extra_fen,
    "costs_fen": _extra_fen,
}
