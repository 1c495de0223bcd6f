"""The 18-character unified social credit code (统一社会信用代码, GB 32100-2015).

Layout: registration authority (1), organisation category (1), administrative division (6),
organisation code (9, itself ending in a GB 11714 check character), and a final check
character over the first 17. Characters come from ``0-9`` and ``ABCDEFGHJKLMNPQRTUWXY`` (no I,
O, S, V, Z). The final check: weights ``3**i mod 31``; check value ``31 - (sum mod 31)``, where
31 becomes 0.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES = {character: value for value, character in enumerate(ALPHABET)}
_WEIGHTS = [pow(3, position, 31) for position in range(17)]
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def check_character(first17: str) -> str:
    pairs = zip(first17, _WEIGHTS, strict=True)
    total = sum(_VALUES[character] * weight for character, weight in pairs)
    return ALPHABET[(31 - total % 31) % 31]


def organisation_check_character(first8: str) -> str:
    """GB 11714 check character of the 9-character organisation code (positions 9-17)."""
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def credit_code_problem(code: object) -> str | None:
    """``None`` for a valid code, otherwise why it is not one."""
    if not isinstance(code, str) or len(code) != 18:
        return "a unified social credit code has 18 characters"
    if any(character not in _VALUES for character in code):
        return "only 0-9 and ABCDEFGHJKLMNPQRTUWXY may appear"
    if not code[2:8].isdigit():
        return "characters 3-8 are the administrative division code (digits)"
    if check_character(code[:17]) != code[17]:
        return "the check character does not match"
    return None


def is_valid_credit_code(code: object) -> bool:
    return credit_code_problem(code) is None


def make_credit_code(prefix17: str) -> str:
    """Complete 17 characters with their check character (test data and the demo world)."""
    return prefix17 + check_character(prefix17)


def example_credit_code(serial: int, division: str = "310000", category: str = "91") -> str:
    """A valid code for the ``serial``-th synthetic enterprise (organisation code checked too)."""
    org8 = f"{serial % 10**8:08d}"
    organisation = org8 + organisation_check_character(org8)
    return make_credit_code(category + division + organisation)
