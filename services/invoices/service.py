"""The invoices service (nameko): ``nameko run --config config.yml services.invoices.service``.

Invoices, trade documents, the three-flow match, the cross-bank financing registry, consent and
receivable financing (SPEC §5). Every state change arrives signed by its author and is
appended to the ledger; the tables here are projections of those entries. RPC methods and
events, with example payloads: ``services/invoices/README.md``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from nameko.dependency_providers import Config
from nameko.events import EventDispatcher, event_handler
from nameko.timer import timer

from ledger import verify
from ledger.commands import SignedCommand, b64decode
from services.common.dependencies import Clock, Database
from services.common.entrypoints import rpc
from services.common.errors import CommandRejected
from services.common.ledger_client import LedgerClient
from services.common.metrics import Metrics
from services.common.rpc import TimedRpcProxy
from services.invoices import credit_limits
from services.invoices.domain import decide, parse_command, public_verification
from services.invoices.domain.fields import IDENTIFIER, INVOICE_NUMBER, PARTY, Body
from services.invoices.operations import paged
from services.invoices.projection import (
    PREFIXES,
    Entry,
    Lookups,
    Projection,
    kind_of,
    record_decision_time,
    require_stream,
    set_sweep_mark,
    sweep_mark,
)
from services.invoices.queries import Reader, Views

PAGE = 1000
SWEEP_SECONDS = 30


class InvoicesService:
    name = "invoices"

    db = Database()
    metrics = Metrics()
    clock = Clock()
    ledger = LedgerClient()
    ledger_parties = TimedRpcProxy("ledger")  # uncached party records, for a key just registered
    credit = TimedRpcProxy("credit")  # limits, when INVOICES_CREDIT_LIMITS is true
    settings = Config()
    dispatch = EventDispatcher()

    @rpc
    def submit(self, command: dict) -> dict:
        """Decide, append and project one signed command; answer with its ledger receipt and
        the aggregate as the signer sees it, e.g. ``submit({"envelope": {"type":
        "invoice.confirm", "stream": "invoice:<20 digits>", "expected_version": 1, "signer":
        "enterprise-7", ..., "body": {"number": "<20 digits>"}}, "signature": "..."})`` →
        ``{"receipt": {...}, "invoice": {..., "status": "confirmed"}, "decision_ms": 12.5}``."""
        received = time.perf_counter()
        signed = SignedCommand.from_wire(command)
        typed = parse_command(signed.type, signed.signer, signed.body)
        require_stream(typed, signed.stream)
        self._authenticate(signed)
        applied = []
        with self.db.transaction() as session:
            projection = self._projection(session)
            projection.lock(signed.stream)
            if projection.processed(signed.entry_id):  # the same signed command again
                receipt = self.ledger.append_one(command)
                return self._answer(projection, signed, receipt, None)
            if signed.expected_version > projection.version(signed.stream):
                applied += projection.catch_up(signed.stream, self._read_stream)
            projection.require_version(signed.stream, signed.expected_version)
            state = projection.state(signed.stream)
            now = self.clock()
            # refusals before anything is appended; then decided again where the ledger put
            # it (its time, the credit limit before it), exactly as a replay will decide it
            decide(state, typed, projection.lookups.context(now, projection.records))
            receipt = self.ledger.append_one(command)
            entry = Entry.from_receipt(receipt)
            applied.append((entry, self._apply(projection, entry)))
            decision_ms = round((time.perf_counter() - received) * 1000, 3)
            record_decision_time(session, entry, decision_ms, now)
            answer = self._answer(projection, signed, receipt, decision_ms)
        self._dispatch(applied)
        return answer

    @event_handler("ledger", "entries_committed")
    def apply_committed(self, payload: dict) -> None:
        """Heal the projection from the ledger: apply entries on invoices streams that did not
        come through ``submit`` (or whose submit died after the ledger committed)."""
        for record in payload.get("entries", []):
            if kind_of(record["envelope"]["stream"]) and not self._processed(record["entry_id"]):
                self._heal(Entry.from_record(record))

    @timer(interval=SWEEP_SECONDS, eager=True)
    def sweep(self) -> None:
        """Apply what this service never heard of (its first start on an existing ledger, an
        event lost on the way): each stream prefix is read from its mark on."""
        for prefix in PREFIXES:
            with self.db.transaction() as session:
                after = last = sweep_mark(session, prefix)
            for record in paged(self.ledger.read_entries, prefix, after, PAGE):
                if not self._processed(record["entry_id"]):
                    self._heal(Entry.from_record(record))
                last = record["sequence"]
            if last > after:
                with self.db.transaction() as session:
                    set_sweep_mark(session, prefix, last)

    @rpc
    def get_invoice(self, number: str, as_party: str) -> dict:
        """``get_invoice("<20 digits>", "bank-3")`` → the invoice, or ``CONSENT_REQUIRED``."""
        number = _argument("number", number, INVOICE_NUMBER)
        return self._read(as_party, lambda views: views.invoice(number))

    @rpc
    def verify_invoice(self, number: str, issue_date: str, total_fen: int) -> dict:
        """Public verification (查验): ``{"authentic": true, "status": "normal"}``."""
        body = Body({"number": number, "issue_date": issue_date, "total_fen": total_fen})
        number, issue_date = body.text("number", INVOICE_NUMBER), body.day("issue_date")
        total_fen = body.integer("total_fen")
        with self.db.transaction() as session:
            invoice = self._projection(session).records.invoice(number)
        return public_verification(invoice, number, issue_date, total_fen)

    @rpc
    def get_trade(self, trade_id: str, as_party: str) -> dict:
        """The trade's documents with its three-flow match ``{"status", "discrepancies"}``."""
        trade_id = _argument("trade_id", trade_id, IDENTIFIER)
        return self._read(as_party, lambda views: views.trade(trade_id))

    @rpc
    def get_financing(self, financing_id: str, as_party: str) -> dict:
        financing_id = _argument("financing_id", financing_id, IDENTIFIER)
        return self._read(as_party, lambda views: views.financing(financing_id))

    @rpc
    def get_consent(self, sme: str, as_party: str) -> dict:
        """``{"sme": ..., "banks": [...], "version": n}``."""
        sme = _argument("sme", sme, PARTY)
        return self._read(as_party, lambda views: views.consent(sme))

    @rpc
    def invoices_of(self, party_id: str, as_party: str | None = None) -> list[dict]:
        """Invoices the party issued or owes (by its credit code), newest first."""
        party_id = _argument("party_id", party_id, PARTY)
        code = self.ledger.credit_code_of(party_id)
        return self._read(as_party or party_id, lambda views: views.invoices_of(party_id, code))

    @rpc
    def trades_of(self, party_id: str, as_party: str | None = None) -> list[dict]:
        party_id = _argument("party_id", party_id, PARTY)
        return self._read(as_party or party_id, lambda views: views.trades_of(party_id))

    @rpc
    def health(self) -> dict:
        return {"status": "ok"}

    # -- plumbing ------------------------------------------------------------------------

    def _projection(self, session) -> Projection:
        credit_limit_at = credit_limits.limit_lookup(self.settings, self.credit)
        lookups = Lookups(self.ledger.party_kind, self.ledger.credit_code_of, credit_limit_at)
        return Projection(session, lookups)

    @staticmethod
    def _apply(projection: Projection, entry: Entry) -> list:
        try:
            return projection.apply(entry)
        except credit_limits.CreditUnavailable:
            raise CommandRejected(
                "CREDIT_UNAVAILABLE",
                "recorded on the ledger; the assessment waits for the credit service "
                "(re-submit the same command, or read the financing later)",
                {"entry_id": entry.entry_id, "sequence": entry.sequence},
            ) from None

    def _reader(self, party_id: str) -> Reader:
        party_id = _argument("as_party", party_id, PARTY)
        kind, code = self.ledger.party_kind(party_id), self.ledger.credit_code_of(party_id)
        return Reader(party_id, kind, code)

    def _read(self, as_party: str, read):
        reader = self._reader(as_party)
        with self.db.transaction() as session:
            return read(Views(self._projection(session), reader))

    def _answer(self, projection, signed, receipt: dict, decision_ms: float | None) -> dict:
        reader = self._reader(signed.signer)
        view = Views(projection, reader).of_stream(signed.stream)
        answer = {"receipt": receipt, kind_of(signed.stream): view}
        return answer if decision_ms is None else {**answer, "decision_ms": decision_ms}

    def _authenticate(self, signed: SignedCommand) -> None:
        """Check the signature before deciding, so a forged command learns nothing about the
        state; the ledger checks again with authority (key validity, nonce, time window)."""
        key = _public_key(self.ledger.party(signed.signer), signed.key_id)
        if key is None:  # perhaps registered since the party was cached
            key = _public_key(self.ledger_parties.get_party(signed.signer), signed.key_id)
        if key is None:
            raise CommandRejected("KEY_UNKNOWN", "no such valid key for the signer")
        if not verify(key, signed.message, signed.signature):
            raise CommandRejected("SIGNATURE_MISMATCH", "the signature does not verify")

    def _processed(self, entry_id: str) -> bool:
        with self.db.transaction() as session:
            return self._projection(session).processed(entry_id)

    def _heal(self, entry: Entry) -> None:
        with self.db.transaction() as session:
            projection = self._projection(session)
            projection.lock(entry.stream)
            applied = projection.heal(entry, self._read_stream)
        self._dispatch(applied)

    def _read_stream(self, stream: str, after: int) -> Iterator[dict]:
        while True:
            records = self.ledger.read_entries(after, PAGE, stream)
            yield from (record for record in records if record["envelope"]["stream"] == stream)
            if len(records) < PAGE:
                return
            after = records[-1]["sequence"]

    def _dispatch(self, applied: list) -> None:
        """After the projection committed: each event under its own name, stamped with its
        ledger entry (banks subscribe to ``financing_diluted`` and filter on ``bank``)."""
        for entry, events in applied:
            for event in events:
                self.dispatch(event.name, {**event.to_dict(), **entry.stamp()})

    # -- portal reads (read-only) ------------------------------------------------------------

    @rpc
    def financings_of(self, party_id: str, as_party: str | None = None) -> list[dict]:
        """Financing applications the party made or that are addressed to it, newest first:
        ``[{"financing_id", "applicant", "bank", "status", "amount_fen", "reasons", …}]``."""
        party_id = _argument("party_id", party_id, PARTY)
        return self._read(as_party or party_id, lambda views: views.financings_of(party_id))

    @rpc
    def trade_events(self, trade_id: str, as_party: str) -> list[dict]:
        """The events behind a trade's three flows (its stream and its invoices' streams), in
        ledger order: ``[{"stream", "name", "entry_id", "sequence", "ledger_time", "payload"}]``."""
        trade_id = _argument("trade_id", trade_id, IDENTIFIER)
        return self._read(as_party, lambda views: views.trade_events(trade_id))

    @rpc
    def bill_settlements(self, bill_number: str, as_party: str) -> list[dict]:
        """Invoices a digital bill was recorded as paying (``invoice.record_bill_settlement``),
        each event with ``"invoice": {number, trade_id, …}``; only invoices the reader may read."""
        bill_number = _argument("bill_number", bill_number, IDENTIFIER)
        return self._read(as_party, lambda views: views.bill_settlements(bill_number))


def _public_key(party: dict | None, key_id: str) -> bytes | None:
    for key in (party or {}).get("keys", []):
        if key["key_id"] == key_id and key["revoked_sequence"] is None:
            return b64decode(key["public_key"])
    return None


def _argument(name: str, value: object, pattern=None) -> str:
    """A read argument checked like a command field (``COMMAND_BODY_INVALID`` otherwise)."""
    return Body({name: value}).text(name, pattern)
