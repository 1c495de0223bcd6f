"""Read views of the invoices projection, and who may read them.

An SME's documents are its own: the enterprises on a document (by party id or credit code) and
oversight (regulator, operator) read it; a bank reads it only with the consent of one of those
enterprises (``consent.grant``), otherwise ``CONSENT_REQUIRED``. A bank sees its own financing
claims on an invoice, never who holds the others.

Views are JSON-safe dicts; ``version`` is the stream's next expected version, what a client puts
in the envelope of its next command on that stream.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select

from ledger.commands import format_time
from services.invoices import tables as models
from services.invoices.domain import ConsentState, has_consent, match, require_consent
from services.invoices.domain.messages import BANK, OPERATOR, REGULATOR, plain
from services.invoices.errors import (
    ConsentRequired,
    FinancingNotFound,
    InvoiceNotFound,
    TradeNotFound,
)
from services.invoices.projection.reading import Reading
from services.invoices.projection.streams import kind_of

OVERSIGHT = frozenset({REGULATOR, OPERATOR})


@dataclass(frozen=True)
class Reader:
    party_id: str
    kind: str | None
    credit_code: str | None


def require_reader(
    reader: Reader,
    parties: Iterable[str | None],
    consent_of: Callable[[str], ConsentState | None],
    credit_codes: Iterable[str] = (),
) -> None:
    """Refuse ``reader`` unless it is one of ``parties`` (or holds one of ``credit_codes``),
    oversight, or a bank one of ``parties`` consented to."""
    owners = [party for party in parties if party]
    if reader.kind in OVERSIGHT or reader.party_id in owners:
        return
    if reader.credit_code is not None and reader.credit_code in credit_codes:
        return
    if reader.kind != BANK or not owners:
        raise ConsentRequired("only the document's parties and the banks they consented to read")
    consents = [consent_of(owner) for owner in owners]
    if not any(has_consent(consent, reader.party_id) for consent in consents):
        require_consent(consents[0], reader.party_id)


def invoice_readers(invoice) -> dict:
    return {
        "parties": (invoice.seller, invoice.buyer),
        "credit_codes": (invoice.seller_credit_code, invoice.buyer_credit_code),
    }


def invoice_view(invoice, version: int, reader: Reader) -> dict:
    claims = [
        plain(claim)
        for claim in invoice.claims
        if reader.kind != BANK or claim.bank == reader.party_id
    ]
    pending = invoice.pending_reversal
    return {
        "number": invoice.number,
        "issue_date": invoice.issue_date,
        "status": invoice.status,
        "seller": invoice.seller,
        "seller_credit_code": invoice.seller_credit_code,
        "buyer_credit_code": invoice.buyer_credit_code,
        "buyer": invoice.buyer,
        "trade_id": invoice.trade_id,
        "lines": [line.to_dict() for line in invoice.lines],
        "amount_fen": invoice.amount_fen,
        "tax_fen": invoice.tax_fen,
        "total_fen": invoice.total_fen,
        "reversed_fen": invoice.reversed_fen,
        "paid_fen": invoice.paid_fen,
        "outstanding_fen": invoice.outstanding_fen,
        "claimed_fen": invoice.claimed_fen,
        "claims": claims,
        "pending_reversal": plain(pending) if pending else None,
        "version": version,
    }


def trade_view(trade, version: int, invoices: list) -> dict:
    result = match(trade, invoices)
    return {
        "trade_id": trade.trade_id,
        "contract_number": trade.contract_number,
        "status": trade.status,
        "seller": trade.seller,
        "buyer": trade.buyer,
        "seller_credit_code": trade.seller_credit_code,
        "buyer_credit_code": trade.buyer_credit_code,
        "proposed_by": trade.proposed_by,
        "lines": [line.to_dict() for line in trade.lines],
        "contract_value_fen": trade.contract_value_fen,
        "shipments": [_goods(document) for document in trade.shipments],
        "receipts": [_goods(document) for document in trade.receipts],
        "received_value_fen": trade.received_value_fen,
        "invoices": [invoice.number for invoice in invoices],
        "match": {**result.to_dict(), "financeable": result.financeable},
        "version": version,
    }


def _goods(document) -> dict:
    lines = [line.to_dict() for line in document.lines]
    return {"shipment_id": document.shipment_id, "on": document.on, "lines": lines}


def financing_view(financing, version: int, decision_ms: float | None) -> dict:
    return {
        "financing_id": financing.financing_id,
        "applicant": financing.applicant,
        "bank": financing.bank,
        "status": financing.status,
        "amount_fen": financing.amount_fen,
        "pledges": plain(financing.pledges),
        "reasons": plain(financing.reasons),
        "available_credit_fen": financing.available_credit_fen,
        "disbursement_ref": financing.disbursement_ref,
        "repaid_fen": financing.repaid_fen,
        "decision_ms": decision_ms,
        "version": version,
    }


def consent_view(consent, version: int) -> dict:
    return {"sme": consent.sme, "banks": sorted(consent.banks), "version": version}


INVOICE_SUMMARY = (
    "number",
    "issue_date",
    "status",
    "seller",
    "seller_credit_code",
    "buyer_credit_code",
    "trade_id",
    "total_fen",
    "outstanding_fen",
    "version",
)
TRADE_SUMMARY = (
    "trade_id",
    "contract_number",
    "status",
    "seller",
    "buyer",
    "contract_value_fen",
    "received_value_fen",
    "match_status",
    "version",
)


def summary(row, fields: tuple[str, ...]) -> dict:
    """A list entry from a query row."""
    return {field: getattr(row, field) for field in fields}


class Views:
    """Views of one projection for one reader; each refuses what the reader may not see."""

    def __init__(self, projection: Reading, reader: Reader):
        self.projection = projection
        self.records = projection.records
        self.reader = reader

    def invoice(self, number: str) -> dict:
        invoice = self.records.invoice(number)
        if invoice is None:
            raise InvoiceNotFound(f"no invoice {number}")
        require_reader(self.reader, consent_of=self.records.consent, **invoice_readers(invoice))
        version = self.projection.version(f"invoice:{number}")
        return invoice_view(invoice, version, self.reader)

    def trade(self, trade_id: str) -> dict:
        trade = self.records.trade(trade_id)
        if trade is None:
            raise TradeNotFound(f"no trade {trade_id}")
        parties = (trade.seller, trade.buyer)
        require_reader(self.reader, parties, self.records.consent)
        version = self.projection.version(f"trade:{trade_id}")
        return trade_view(trade, version, self.records.invoices_of_trade(trade_id))

    def financing(self, financing_id: str) -> dict:
        stream = f"financing:{financing_id}"
        financing = self.projection.state(stream)
        if financing is None:
            raise FinancingNotFound(f"no financing {financing_id}")
        parties = (financing.applicant, financing.bank)
        require_reader(self.reader, parties, self.records.consent)
        table = models.decision_times
        decision_ms = self.projection.session.scalar(
            select(table.c.decision_ms).where(
                table.c.stream == stream, table.c.type == "financing.apply"
            )
        )
        return financing_view(financing, self.projection.version(stream), decision_ms)

    def consent(self, sme: str) -> dict:
        require_reader(self.reader, (sme,), self.records.consent)
        consent = self.records.consent(sme) or ConsentState(sme)
        return consent_view(consent, self.projection.version(f"consent:{sme}"))

    def of_stream(self, stream: str) -> dict:
        """The view of ``stream`` for a command's answer; only its version when the signer
        may not read the document (a paying bank without the SME's consent)."""
        kind = kind_of(stream)
        key = stream.partition(":")[2]
        try:
            return getattr(self, kind)(key)
        except ConsentRequired:
            return {"stream": stream, "version": self.projection.version(stream)}

    def invoices_of(self, party_id: str, credit_code: str | None) -> list[dict]:
        require_reader(self.reader, (party_id,), self.records.consent)
        table = models.invoices
        query = select(table).order_by(table.c.issue_date.desc(), table.c.number)
        sides = (table.c.seller_credit_code, table.c.buyer_credit_code)
        mine = [table.c.seller == party_id, *(side == credit_code for side in sides)]
        query = query.where(or_(*mine))
        rows = self.projection.session.execute(query)
        return [summary(row, INVOICE_SUMMARY) for row in rows]

    def trades_of(self, party_id: str) -> list[dict]:
        require_reader(self.reader, (party_id,), self.records.consent)
        table = models.trades
        query = select(table).where(or_(table.c.seller == party_id, table.c.buyer == party_id))
        rows = self.projection.session.execute(query.order_by(table.c.trade_id))
        return [summary(row, TRADE_SUMMARY) for row in rows]

    # -- portal reads: financing lists, the entries behind the three flows, bill settlements --

    def financings_of(self, party_id: str) -> list[dict]:
        """Applications the party made (an SME) or that are addressed to it (a bank), newest
        first; a consented bank reading an SME's list sees only those addressed to itself."""
        require_reader(self.reader, (party_id,), self.records.consent)
        table = models.financings
        query = select(table).where(or_(table.c.applicant == party_id, table.c.bank == party_id))
        if self.reader.kind == BANK and self.reader.party_id != party_id:
            query = query.where(table.c.bank == self.reader.party_id)
        rows = self.projection.session.execute(query.order_by(table.c.updated_sequence.desc()))
        return [summary(row, FINANCING_SUMMARY) for row in rows]

    def trade_events(self, trade_id: str) -> list[dict]:
        """The events recorded on the trade's stream and its invoices' streams, in ledger
        order, each with its entry id; a bank sees no other bank's claims."""
        self.trade(trade_id)  # refuses a reader who may not see the trade
        numbers = [invoice.number for invoice in self.records.invoices_of_trade(trade_id)]
        streams = [f"trade:{trade_id}", *(f"invoice:{number}" for number in numbers)]
        table = models.events
        query = select(table).where(table.c.stream.in_(streams))
        rows = self.projection.session.execute(query.order_by(table.c.sequence, table.c.position))
        return [event_record(row) for row in rows if self._may_see(row.payload)]

    def bill_settlements(self, bill_number: str) -> list[dict]:
        """Payments recorded with ``invoice.record_bill_settlement`` naming this bill, on the
        invoices the reader may read, with each invoice's trade."""
        table = models.events
        query = select(table).where(
            table.c.name == "invoice_payment_recorded",
            table.c.payload["method"].astext == "bill",
            table.c.payload["reference"].astext == bill_number,
        )
        found = []
        for row in self.projection.session.execute(query.order_by(table.c.sequence)):
            try:
                invoice = self.invoice(row.stream.partition(":")[2])
            except ConsentRequired:
                continue
            found.append({**event_record(row), "invoice": summary_of(invoice, INVOICE_SUMMARY)})
        return found

    def _may_see(self, payload: dict) -> bool:
        bank = payload.get("bank")
        return self.reader.kind != BANK or bank is None or bank == self.reader.party_id


FINANCING_SUMMARY = (
    "financing_id",
    "applicant",
    "bank",
    "status",
    "amount_fen",
    "repaid_fen",
    "pledges",
    "reasons",
    "version",
)


def summary_of(view: dict, fields: tuple[str, ...]) -> dict:
    return {field: view[field] for field in fields}


def event_record(row) -> dict:
    """An event row as the portal shows it: which entry, when, what."""
    return {
        "stream": row.stream,
        "name": row.name,
        "entry_id": row.entry_id,
        "sequence": row.sequence,
        "ledger_time": format_time(row.ledger_time),
        "payload": row.payload,
    }
