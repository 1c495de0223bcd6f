"""Money as integer fen (0.01 CNY) in a small value type: no float ever comes near it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.common.errors import ValidationFailed

_YUAN = re.compile(r"^(-?)(\d{1,13})(?:\.(\d{1,2}))?$")


@dataclass(frozen=True, order=True)
class Money:
    fen: int

    def __post_init__(self) -> None:
        if isinstance(self.fen, bool) or not isinstance(self.fen, int):
            raise ValidationFailed("money is a whole number of fen", code="INVALID_AMOUNT")

    @classmethod
    def of_yuan(cls, text: str) -> Money:
        """Parse ``"1000000.00"`` (at most two decimals) into fen."""
        match = _YUAN.match(text.strip()) if isinstance(text, str) else None
        if not match:
            raise ValidationFailed(f"not an amount in yuan: {text!r}", code="INVALID_AMOUNT")
        sign, whole, cents = match.groups()
        fen = int(whole) * 100 + int((cents or "0").ljust(2, "0"))
        return cls(-fen if sign else fen)

    def __add__(self, other: Money) -> Money:
        return Money(self.fen + other.fen)

    def __sub__(self, other: Money) -> Money:
        return Money(self.fen - other.fen)

    def __neg__(self) -> Money:
        return Money(-self.fen)

    def is_positive(self) -> bool:
        return self.fen > 0

    def yuan(self) -> str:
        """``"1000000.00"``: the exact decimal text, for people and documents."""
        sign = "-" if self.fen < 0 else ""
        whole, cents = divmod(abs(self.fen), 100)
        return f"{sign}{whole}.{cents:02d}"

    def __str__(self) -> str:
        return f"CNY {self.yuan()}"


ZERO = Money(0)
