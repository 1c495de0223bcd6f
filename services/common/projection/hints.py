"""Believing only the ledger: an ``entries_committed`` event is a hint, never a fact.

Anyone who may publish on ``ledger.events`` could make up an event, so a projection does not
apply what an event carries. It takes the event as news that the ledger has moved, reads the
entries named from the ledger by sequence (``read_entries``) and applies what the ledger
returns (docs/decisions/0024 weighs this against checking signatures and inclusion proofs).

Each record the event named is checked against what the ledger holds at its sequence; one
that is malformed, out of order, after a gap in the sequences, beyond the ledger's head or not
what the ledger holds there is refused: logged and counted
(``billchain_projection_hints_refused{service, reason}``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from services.common.metrics import HINTS_REFUSED

log = logging.getLogger(__name__)
COMPARED = ("sequence", "entry_id", "envelope", "signature", "ledger_time")
MALFORMED, OUT_OF_ORDER, GAP = "malformed", "out_of_order", "gap"
BEYOND_HEAD, NOT_ON_LEDGER = "beyond_head", "not_on_ledger"


@dataclass
class Hint:
    """What an event named: its well-formed records in sequence order, and what was refused
    as ``(reason, record)``."""

    records: list[dict] = field(default_factory=list)
    refused: list[tuple[str, object]] = field(default_factory=list)


def read_hint(payload: object) -> Hint:
    """The records of an ``entries_committed`` payload, each after the one before it (the
    ledger sends a contiguous run of sequences)."""
    hint = Hint()
    named = payload.get("entries") if isinstance(payload, Mapping) else None
    if not isinstance(named, list):
        hint.refused.append((MALFORMED, payload))
        return hint
    for record in named:
        reason = _problem(record, hint.records[-1]["sequence"] if hint.records else None)
        if reason:
            hint.refused.append((reason, record))
        else:
            hint.records.append(record)
    return hint


def _problem(record: object, previous: int | None) -> str | None:
    if not _well_formed(record):
        return MALFORMED
    if previous is not None and record["sequence"] <= previous:
        return OUT_OF_ORDER
    if previous is not None and record["sequence"] != previous + 1:
        return GAP
    return None


def _well_formed(record: object) -> bool:
    if not isinstance(record, Mapping) or not isinstance(record.get("envelope"), Mapping):
        return False
    envelope, sequence = record["envelope"], record.get("sequence")
    texts = (record.get("entry_id"), record.get("ledger_time"), envelope.get("stream"))
    texts += (envelope.get("type"), envelope.get("signer"))
    version = envelope.get("expected_version")
    return (
        all(isinstance(text, str) for text in texts)
        and isinstance(sequence, int)
        and not isinstance(sequence, bool)
        and sequence >= 0
        and isinstance(version, int)
        and isinstance(envelope.get("body"), Mapping)
    )


def compare(named: Iterable[dict], truth: Mapping[int, dict]) -> list[tuple[str, dict]]:
    """What of ``named`` the ledger does not hold so; ``truth`` maps sequences to the ledger's
    records over the range named, read without a stream filter (the ledger has no holes, so a
    sequence missing from it lies beyond the head)."""
    refused = []
    for record in named:
        held = truth.get(record["sequence"])
        if held is None:
            refused.append((BEYOND_HEAD, record))
        elif any(record.get(name) != held.get(name) for name in COMPARED):
            refused.append((NOT_ON_LEDGER, record))
    return refused


def count(service: str, refused: list[tuple[str, object]]) -> None:
    for reason, record in refused:
        HINTS_REFUSED.labels(service, reason).inc()
        described = record if isinstance(record, Mapping) else {}
        log.warning(
            "entries_committed named an entry the ledger does not hold so: %s",
            reason,
            extra={
                "reason": reason,
                "sequence": described.get("sequence"),
                "entry_id": described.get("entry_id"),
            },
        )
