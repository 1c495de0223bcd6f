"""The credit service's refusals, each with a stable code (sent as ``CommandRejected``)."""

from __future__ import annotations

from services.common.errors import NotFound, ValidationFailed


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
