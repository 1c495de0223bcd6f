"""The invoices service (nameko): ``nameko run --config config.yml services.invoices.service``.

Invoices, trade documents, the three-flow match, the cross-bank financing registry, consent and
receivable financing. Every state change arrives signed by its author and is
appended to the ledger; the tables here are projections of those entries, kept with the
projection kit (``services.common.projection``). Events are dispatched from the outbox once
the projection that decided them has committed. RPC methods and events, with example
payloads: ``services/invoices/README.md``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from nameko.dependency_providers import Config
from nameko.events import EventDispatcher, event_handler

from ledger import verify
from ledger.commands import SignedCommand, b64decode
from services.common.dependencies import Clock, Database
from services.common.entrypoints import rpc
from services.common.errors import CommandRejected
from services.common.ledger_client import LedgerClient
from services.common.metrics import Metrics
from services.common.projection import paging
from services.common.projection.entry import LedgerEntry
from services.common.projection.projector import Projection, Projector
from services.common.rpc import TimedRpcProxy
from services.common.timers import configured_timer
from services.invoices import credit_limits
from services.invoices.domain import decide, parse_command, public_verification
from services.invoices.domain.fields import IDENTIFIER, INVOICE_NUMBER, PARTY, Body
from services.invoices.projection.applying import InvoicesApplier, Lookups
from services.invoices.projection.marks import record_decision_time, set_sweep_mark, sweep_mark
from services.invoices.projection.reading import Reading
from services.invoices.projection.streams import (
    PREFIXES,
    kind_of,
    reads_other_streams,
    require_stream,
)
from services.invoices.queries import Reader, Views
from services.invoices.tables import OUTBOX, TRACKING


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
    projector = Projector(TRACKING, OUTBOX)

    @rpc
    def submit(self, command: dict) -> dict:
        """Decide, append and project one signed command; answer with its ledger receipt and
        the aggregate as the signer sees it, e.g. ``submit({"envelope": {"type":
        "invoice.confirm", "stream": "invoice:<20 digits>", "expected_version": 1, "signer":
        "enterprise-7", ..., "body": {"number": "<20 digits>"}}, "signature": "..."})`` →
        ``{"receipt": {...}, "invoice": {..., "status": "confirmed"}, "decision_ms": 12.5}``.

        No transaction is open while the ledger is called: the command is decided on what
        the projection holds (refusals before anything is appended), appended, then decided
        again where the ledger put it (its time, the credit limit before it) and projected,
        exactly as a replay will decide it."""
        received = time.perf_counter()
        signed = SignedCommand.from_wire(command)
        typed = parse_command(signed.type, signed.signer, signed.body)
        require_stream(typed, signed.stream)
        self._authenticate(signed)
        with self.db.transaction() as session:
            already = Reading(session, self._lookups()).processed(signed.entry_id)
        if already:  # the same signed command again: the ledger answers with its receipt
            return self._answer(signed, self.ledger.append_one(command), None)
        now = self._decide(signed, typed)
        with self.projector.appending([signed.entry_id]):
            receipt = self.ledger.append_one(command)
            entry = LedgerEntry.from_receipt(receipt)
            self._project([entry])
        decision_ms = round((time.perf_counter() - received) * 1000, 3)
        with self.db.transaction() as session:
            record_decision_time(session, entry, decision_ms, now)
        return self._answer(signed, receipt, decision_ms)

    @event_handler("ledger", "entries_committed")
    def apply_committed(self, payload: dict) -> None:
        """Heal the projection from the ledger: apply entries on invoices streams that did not
        come through ``submit`` (or whose submit died after the ledger committed), as the
        ledger holds them: the event only says where to read."""
        self._projection().heal(payload, self._project)

    @configured_timer("INVOICES_SWEEP_SECONDS", 30, eager=True)
    def sweep(self) -> None:
        """Apply what this service never heard of (its first start on an existing ledger, an
        event lost on the way): each stream prefix is read from its mark on."""
        for prefix in PREFIXES:
            with self.db.transaction() as session:
                after = last = sweep_mark(session, prefix)
            for page in paging.pages(self.ledger.read_entries, after=after, prefix=prefix):
                self._project([LedgerEntry.from_record(record) for record in page])
                last = page[-1]["sequence"]
            if last > after:
                with self.db.transaction() as session:
                    set_sweep_mark(session, prefix, last)

    @configured_timer("INVOICES_OUTBOX_SECONDS", 5)
    def publish_outbox(self) -> None:
        """Dispatch events a crash left committed but unsent."""
        self._projection().relay()

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
            invoice = Reading(session, self._lookups()).records.invoice(number)
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

    def _lookups(self) -> Lookups:
        credit_limit_at = credit_limits.limit_lookup(self.settings, self.credit)
        return Lookups(self.ledger.party_kind, self.ledger.credit_code_of, credit_limit_at)

    def _projection(self) -> Projection:
        applier = InvoicesApplier(self._lookups())
        return self.projector.projection(self.db, self.ledger.read_entries, self.dispatch, applier)

    def _decide(self, signed: SignedCommand, typed) -> object:
        """The domain's refusal, if any, on what the projection holds at the signed version
        (caught up from the ledger if it lags); returns the time it was decided at."""
        stream = signed.stream
        with self.db.transaction() as session:
            position = TRACKING.read(session, [stream])[stream]
        if signed.expected_version > position.version:
            read = self.ledger.read_entries
            self._project(paging.stream_entries(read, stream, position.last_sequence))
        with self.db.transaction() as session:
            reading = Reading(session, self._lookups())
            reading.require_version(stream, signed.expected_version)
            now = self.clock()
            decide(reading.state(stream), typed, reading.lookups.context(now, reading.records))
        return now

    def _project(self, entries: Iterable[LedgerEntry]) -> None:
        """Project entries in sequence order. Before a decision that reads other streams, every
        earlier entry on the service's streams is applied (read from the ledger from the
        sweep's marks on), so it reads what a replay in global order presents."""
        projection = self._projection()
        for entry in sorted(entries, key=lambda item: item.sequence):
            try:
                if reads_other_streams(entry.stream):
                    self._catch_up_before(projection, entry.sequence)
                projection.project([entry])
            except credit_limits.CreditUnavailable:
                raise CommandRejected(
                    "CREDIT_UNAVAILABLE",
                    "recorded on the ledger; the assessment waits for the credit service "
                    "(re-submit the same command, or read the financing later)",
                    {"entry_id": entry.entry_id, "sequence": entry.sequence},
                ) from None

    def _catch_up_before(self, projection: Projection, sequence: int) -> None:
        with self.db.transaction() as session:
            marks = {prefix: sweep_mark(session, prefix) for prefix in PREFIXES}
        read = paging.merged(self.ledger.read_entries, PREFIXES, after=marks, until=sequence)
        projection.project(list(read))
        with self.db.transaction() as session:
            for prefix in PREFIXES:
                set_sweep_mark(session, prefix, sequence - 1)

    def _reader(self, party_id: str) -> Reader:
        party_id = _argument("as_party", party_id, PARTY)
        kind, code = self.ledger.party_kind(party_id), self.ledger.credit_code_of(party_id)
        return Reader(party_id, kind, code)

    def _read(self, as_party: str, read):
        reader = self._reader(as_party)
        with self.db.transaction() as session:
            return read(Views(Reading(session, self._lookups()), reader))

    def _answer(self, signed, receipt: dict, decision_ms: float | None) -> dict:
        reader = self._reader(signed.signer)
        with self.db.transaction() as session:
            view = Views(Reading(session, self._lookups()), reader).of_stream(signed.stream)
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
        public_key, distinguishing_id = key
        if not verify(public_key, signed.message, signed.signature, distinguishing_id):
            raise CommandRejected("SIGNATURE_MISMATCH", "the signature does not verify")

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


def _public_key(party: dict | None, key_id: str) -> tuple[bytes, bytes | None] | None:
    """The signer's valid key with this id: its SPKI DER and its SM2 distinguishing ID."""
    for key in (party or {}).get("keys", []):
        if key["key_id"] == key_id and key["revoked_sequence"] is None:
            identity = key.get("distinguishing_id")
            return b64decode(key["public_key"]), identity.encode() if identity else None
    return None


def _argument(name: str, value: object, pattern=None) -> str:
    """A read argument checked like a command field (``COMMAND_BODY_INVALID`` otherwise)."""
    return Body({name: value}).text(name, pattern)
