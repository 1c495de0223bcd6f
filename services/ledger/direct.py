"""Appending without the broker: the operator's bootstrap and offline tools use this path.

Same checks as the service (signatures in batch, then the commit rules), same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from ledger.batch import batch_reasons
from ledger.commands import SignedCommand
from services.ledger.appender import Appender, LedgerSettings, Outcome, Refusal
from services.ledger.intake import _bootstrap_key
from services.ledger.tables import party_keys


def append_direct(engine, settings: LedgerSettings, commands: list[SignedCommand], now=None):
    """Verify and commit ``commands``; return their outcomes."""
    now = now or datetime.now(UTC)
    with engine.begin() as connection:
        keys = {
            key_id: (bytes(der), identity.encode() if identity else None)
            for key_id, der, identity in connection.execute(
                select(party_keys.c.key_id, party_keys.c.public_key, party_keys.c.distinguishing_id)
            )
        }
        items = [_item(keys.get(c.key_id) or _bootstrap_key(c), c) for c in commands]
        reasons = batch_reasons(items)
        valid = [c for c, reason in zip(commands, reasons, strict=True) if reason is None]
        outcomes = []
        if valid:
            outcomes, _, _, receipts = Appender(settings).commit(connection, valid, now)
    if valid:
        receipts.attach(outcomes)
    results, accepted = [], iter(outcomes)
    for reason in reasons:
        results.append(next(accepted) if reason is None else Outcome(refusal=Refusal(reason, "")))
    return results


def _item(key: tuple[bytes | None, bytes | None], command: SignedCommand) -> tuple[bytes, ...]:
    public_key, distinguishing_id = key
    item = (public_key or b"", command.message, command.signature)
    return item if distinguishing_id is None else (*item, distinguishing_id)
