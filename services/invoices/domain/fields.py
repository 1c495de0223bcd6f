"""Reading command bodies: every field checked for type and form, unexpected fields refused.

``Body(raw).fen("amount_fen")`` returns the value or raises ``CommandBodyInvalid`` whose
``details`` name the field (with its path, e.g. ``lines[2].tax_fen``) and the problem. Call
``done()`` after reading to refuse fields nobody asked for: a typo must not pass silently.
"""

from __future__ import annotations

import re
from datetime import date

from services.invoices.domain.tax import QUANTITY_SCALE
from services.invoices.errors import CommandBodyInvalid

# Money ceiling: far above any invoice and inside the canonical codec's ±(2**53 - 1).
MAX_FEN = 10**15
MAX_LIST = 1000
# Patterns are applied with ``fullmatch`` (``$`` would let a trailing newline through) and
# spell digits [0-9] (``\d`` also matches other scripts' digits).
IDENTIFIER = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
PARTY = re.compile(r"[A-Za-z0-9_.\-:]{1,64}")
INVOICE_NUMBER = re.compile(r"[0-9]{20}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_QUANTITY = re.compile(r"([0-9]{1,12})(?:\.([0-9]{1,6}))?")


class Body:
    """A read-once view of a command body (or of one list element of it)."""

    def __init__(self, raw: object, path: str = ""):
        if not isinstance(raw, dict):
            raise self._invalid(path or "body", "must be an object")
        self._raw = raw
        self._path = path
        self._read: set[str] = set()

    def _field(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    @staticmethod
    def _invalid(field: str, problem: str) -> CommandBodyInvalid:
        return CommandBodyInvalid(f"{field}: {problem}", {"field": field, "problem": problem})

    def has(self, key: str) -> bool:
        return self._raw.get(key) is not None

    def _get(self, key: str, kind: type, expected: str) -> object:
        self._read.add(key)
        value = self._raw.get(key)
        if value is None or isinstance(value, bool) or not isinstance(value, kind):
            raise self._invalid(self._field(key), f"must be {expected}")
        return value

    def text(self, key: str, pattern: re.Pattern | None = None, max_length: int = 200) -> str:
        value = self._get(key, str, "a string")
        if not value.strip() or len(value) > max_length:
            raise self._invalid(self._field(key), f"must have 1 to {max_length} characters")
        if pattern is not None and not pattern.fullmatch(value):
            raise self._invalid(self._field(key), f"must match {pattern.pattern}")
        return value

    def optional_text(self, key: str, pattern: re.Pattern | None = None) -> str | None:
        self._read.add(key)
        return self.text(key, pattern) if self.has(key) else None

    def integer(self, key: str, minimum: int = 0, maximum: int = MAX_FEN) -> int:
        value = self._get(key, int, "an integer")
        if not minimum <= value <= maximum:
            raise self._invalid(self._field(key), f"must lie in [{minimum}, {maximum}]")
        return value

    def fen(self, key: str, minimum: int = 1) -> int:
        """Integer fen, at least ``minimum`` (1 unless said otherwise: no empty amounts)."""
        return self.integer(key, minimum)

    def optional_fen(self, key: str) -> int | None:
        self._read.add(key)
        return self.fen(key) if self.has(key) else None

    def day(self, key: str) -> str:
        """A calendar date ``YYYY-MM-DD``, returned in that same spelling."""
        value = self._get(key, str, "a date YYYY-MM-DD")
        try:
            date.fromisoformat(value)
        except ValueError:
            value = ""
        if not _DATE.fullmatch(value):
            raise self._invalid(self._field(key), "must be a real date YYYY-MM-DD")
        return value

    def quantity(self, key: str, minimum: int = 1) -> int:
        """A decimal string (≤ 6 places) or an integer, as millionths of the unit."""
        self._read.add(key)
        value = self._raw.get(key)
        micro = quantity_micro(value)
        if micro is None or micro < minimum:
            problem = "must be a positive" if minimum else "must be a non-negative"
            raise self._invalid(self._field(key), f"{problem} decimal string, ≤ 6 places")
        return micro

    def items(self, key: str) -> list[Body]:
        """A non-empty list of objects, each returned as a ``Body`` with its own path."""
        values = self._get(key, list, "a list")
        if not 1 <= len(values) <= MAX_LIST:
            raise self._invalid(self._field(key), f"must hold 1 to {MAX_LIST} entries")
        return [Body(value, f"{self._field(key)}[{index}]") for index, value in enumerate(values)]

    def done(self) -> None:
        unexpected = sorted(set(self._raw) - self._read)
        if unexpected:
            raise self._invalid(self._field(unexpected[0]), "is not a field of this command")


def quantity_micro(value: object) -> int | None:
    """Millionths of the unit from a decimal string or an integer; ``None`` if neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value * QUANTITY_SCALE if 0 <= value < 10**12 else None
    match = _QUANTITY.fullmatch(value) if isinstance(value, str) else None
    if not match:
        return None
    whole, fraction = match.groups()
    return int(whole) * QUANTITY_SCALE + int((fraction or "").ljust(6, "0"))


def unique(values: list[str], field: str) -> None:
    """Refuse repeated keys inside one list (line items, pledged invoices)."""
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise CommandBodyInvalid(
                f"{field}: {value!r} appears twice", {"field": field, "problem": "repeated"}
            )
        seen.add(value)
