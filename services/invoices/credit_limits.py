"""The credit limit a financing decision uses, from the credit service.

``INVOICES_CREDIT_LIMITS`` (default ``false``; ``config.yml`` sets ``true``) says whether the
deployment runs the credit service; ``INVOICES_CREDIT_TIMEOUT_SECONDS`` (30) bounds its answer.
When it does, a ``financing.apply`` at ledger sequence ``s`` is assessed against
``credit.score_at(applicant, s)["limit_fen"]``: the limit computed from the entries before the
application, so the live decision, a healing and a rebuild all decide the same. The setting is
part of how the ledger is read: change it and a rebuild assesses past applications anew.
"""

from __future__ import annotations

from collections.abc import Callable

import eventlet
from nameko.exceptions import UnknownService

from services.invoices.projection.applying import no_credit_limit


class CreditUnavailable(Exception):
    """The credit service did not answer. Not a refusal: the entry stays unprojected and is
    decided again (by a re-submission, the ledger's event or the sweep) once it answers."""


def enabled(config: dict) -> bool:
    return str(config.get("INVOICES_CREDIT_LIMITS", "false")).lower() == "true"


def limit_lookup(config: dict, credit) -> Callable[[str, int], int | None]:
    """``(party, tree_size) → limit_fen`` over a credit RPC proxy, or no limit at all."""
    if not enabled(config):
        return no_credit_limit
    seconds = float(config.get("INVOICES_CREDIT_TIMEOUT_SECONDS", 30))

    def credit_limit_at(party: str, tree_size: int) -> int:
        try:
            with eventlet.Timeout(seconds):
                return int(credit.score_at(party, tree_size)["limit_fen"])
        except (eventlet.Timeout, UnknownService) as failure:
            raise CreditUnavailable(f"the credit service did not answer: {failure!r}") from None

    return credit_limit_at
