"""The credit service's refusals, each with a stable code (sent as ``CommandRejected``)."""

from __future__ import annotations

from ledger.commands import PARTY_ID
from services.common.errors import NotFound, ValidationFailed


class CreditPartyInvalid(ValidationFailed):
    """Raised when ``party`` is not a party id at all (not a string, or not of its form)."""

    code = "CREDIT_PARTY_INVALID"


def checked_party(party) -> str:
    """``party`` when it has a party id's form; else ``CREDIT_PARTY_INVALID``."""
    if not isinstance(party, str) or not PARTY_ID.fullmatch(party):
        raise CreditPartyInvalid("party is a party id", {"party": repr(party)[:70]})
    return party


class CreditPartyUnknown(NotFound):
    """Raised when the party has no admission on the ledger up to the checkpoint asked for."""

    code = "CREDIT_PARTY_UNKNOWN"


class CreditPartyNotScored(ValidationFailed):
    """Raised for parties that are not enterprises (banks, the operator): nothing to score."""

    code = "CREDIT_PARTY_NOT_SCORED"


class CreditTreeSizeInvalid(ValidationFailed):
    """Raised when ``score_at`` names a tree size the ledger does not have."""

    code = "CREDIT_TREE_SIZE_INVALID"


class CreditHistoryPointsInvalid(ValidationFailed):
    """Raised when ``score_history`` is asked for fewer than 2 or more than 24 points."""

    code = "CREDIT_POINTS_INVALID"
