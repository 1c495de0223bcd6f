"""Reading the invoices projection: aggregates are replayed from their stored events, and a
decision's ``Records`` read them as of the entry being decided."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.common.errors import Conflict
from services.invoices import tables as models
from services.invoices.domain import event_from_dict, replay
from services.invoices.domain.financing import APPROVED, DISBURSED, ELIGIBLE

OPEN_FINANCINGS = (ELIGIBLE, APPROVED, DISBURSED)  # they use the applicant's credit


class Reading:
    """The projection as one transaction (``session``) sees it."""

    def __init__(self, session, lookups):
        self.session, self.lookups = session, lookups
        self.records = ProjectionRecords(self)

    def version(self, stream: str) -> int:
        return models.TRACKING.version(self.session, stream)

    def require_version(self, stream: str, expected: int) -> None:
        current = self.version(stream)
        if expected != current:
            raise Conflict(
                "another entry already holds this stream version",
                {"stream": stream, "expected_version": expected, "current_version": current},
                code="STREAM_VERSION_CONFLICT",
            )

    def processed(self, entry_id: str) -> bool:
        return bool(models.TRACKING.taken(self.session, [entry_id]))

    def state(self, stream: str, before: int | None = None) -> Any:
        """The aggregate on ``stream`` (``None`` if empty), replayed from its stored events
        (those of entries below sequence ``before``, if given)."""
        table = models.events
        query = select(table.c.payload).where(table.c.stream == stream)
        if before is not None:
            query = query.where(table.c.sequence < before)
        payloads = self.session.scalars(query.order_by(table.c.sequence, table.c.position))
        return replay(event_from_dict(payload) for payload in payloads)


class ProjectionRecords:
    """The domain's ``Records`` over the projection. ``at(sequence)`` binds them to the entry
    being decided: every read is then of the entries before it, and its credit limit the one
    the credit service computes from those entries, so a replay decides the same."""

    def __init__(self, reading: Reading, sequence: int | None = None):
        self._reading = reading
        self._sequence = sequence

    def at(self, sequence: int) -> ProjectionRecords:
        return ProjectionRecords(self._reading, sequence)

    def _state(self, stream: str):
        return self._reading.state(stream, self._sequence)

    def invoice(self, number: str):
        return self._state(f"invoice:{number}")

    def trade(self, trade_id: str):
        return self._state(f"trade:{trade_id}")

    def invoices_of_trade(self, trade_id: str) -> list:
        """Invoices linked to the trade (an invoice is linked once, never to another)."""
        table = models.invoices
        query = select(table.c.number).where(table.c.trade_id == trade_id).order_by(table.c.number)
        found = (self.invoice(number) for number in self._reading.session.scalars(query))
        return [invoice for invoice in found if invoice and invoice.trade_id == trade_id]

    def consent(self, sme: str):
        return self._state(f"consent:{sme}")

    def available_credit_fen(self, sme: str, bank: str) -> int | None:
        """The SME's credit limit less what it already owes or has asked for, across banks:
        applications still open (eligible, approved, disbursed) count at their unpaid amount.
        ``None`` (no limit) before an entry is bound, or where the credit service is absent."""
        if self._sequence is None:
            return None
        limit = self._reading.lookups.credit_limit_at(sme, self._sequence)
        if limit is None:
            return None
        table = models.financings
        query = select(table.c.financing_id).where(table.c.applicant == sme)
        found = (self._state(f"financing:{f}") for f in self._reading.session.scalars(query))
        owed = sum(
            financing.amount_fen - financing.repaid_fen
            for financing in found
            if financing is not None and financing.status in OPEN_FINANCINGS
        )
        return max(0, limit - owed)
