"""The bills service (nameko ``bills``): digital bill packages on the ledger's ``bill:`` streams.

``nameko run --config config.yml services.bills.service``. Every state change is a command the
user already signed; this service checks it against the bill rules, appends it to the ledger,
projects the committed entry and publishes its events. RPC (refusals are ``CommandRejected``
with stable codes; payloads in ``README.md``):

- ``submit(command)`` → ``{"receipt": {...}, "bill": {...}}``
- ``submit_batch([command, ...])`` → ``{"results": [{"receipt", "checkpoint"} | {"error"}]}``
- ``get_bill(package_no)``, ``range_map(package_no)``, ``bills_of(party_id, role)``
- ``tick(package_no)``, ``tick_due()`` (also a timer), ``rebuild()`` (operator)

Events: one per bill event (``bill_issued``, ``bill_endorsed`` …), dispatched only after the
projection that records it committed, carrying the ledger entry id, sequence and ledger time.
"""

from __future__ import annotations

import logging

from nameko.events import EventDispatcher, event_handler
from nameko.extensions import DependencyProvider

from ledger.commands import SignedCommand, sign_command
from ledger.errors import LedgerError
from ledger.keys import read_private_key
from ledger.receipts import expand_receipt
from services.bills import queries as schemas
from services.bills.domain import BillCommand, Context
from services.bills.domain.calendar import BusinessCalendar, china_date
from services.bills.errors import BillNotFound
from services.bills.projection import state
from services.bills.projection.applying import BillsApplier, decide_entry
from services.bills.projection.streams import package_of, require_bill_stream, stream_of
from services.bills.tables import OUTBOX, PROJECTION_TABLES, TRACKING
from services.common.dependencies import Clock, Database
from services.common.entrypoints import rpc
from services.common.errors import Conflict, PlatformError, ValidationFailed
from services.common.ledger_client import LedgerClient
from services.common.metrics import Metrics
from services.common.projection import paging
from services.common.projection.entry import LedgerEntry
from services.common.projection.projector import Projection, Projector
from services.common.timers import configured_timer

log = logging.getLogger(__name__)
BATCH_LIMIT = 500  # commands per submit_batch
# Refusals are answers, not failures: logged as expected, sent to the caller with their code.
REFUSALS = (PlatformError, LedgerError)


class BillsCalendar(DependencyProvider):
    """The business calendar: config ``BILLS_HOLIDAYS`` and ``BILLS_WORKING_WEEKENDS``."""

    def setup(self):
        config = self.container.config
        self.calendar = BusinessCalendar.from_config(
            config.get("BILLS_HOLIDAYS") or [], config.get("BILLS_WORKING_WEEKENDS") or []
        )

    def get_dependency(self, worker_ctx):
        return self.calendar


class OperatorSigner(DependencyProvider):
    """Signs ``bill.tick`` as the operator (``OPERATOR_KEY_FILE``, ``OPERATOR_PARTY_ID``)."""

    def setup(self):
        config = self.container.config
        self.party_id = config.get("OPERATOR_PARTY_ID", "operator")
        self.key = read_private_key(config["OPERATOR_KEY_FILE"])

    def get_dependency(self, worker_ctx):
        return self

    def tick(self, stream: str, expected_version: int, now) -> dict:
        return sign_command(
            self.key,
            type="bill.tick",
            stream=stream,
            expected_version=expected_version,
            signer=self.party_id,
            body={},
            created_at=now,
        ).to_wire()


class BillsService:
    name = "bills"

    db = Database()
    metrics = Metrics()
    clock = Clock()
    ledger = LedgerClient()
    calendar = BillsCalendar()
    operator = OperatorSigner()
    dispatch = EventDispatcher()
    projector = Projector(TRACKING, OUTBOX)

    @rpc(expected_exceptions=REFUSALS)
    def submit(self, command: dict) -> dict:
        """Check, append and project one signed bill command.

        ``submit({"envelope": {"type": "bill.endorse", "stream": "bill:<package_no>",
        "expected_version": 5, "signer": "ent-…", "key_id": "…", "nonce": "…", "created_at":
        "2031-03-03T02:00:00.000000Z", "body": {"start": 1, "end": 30000000, "endorsee":
        "ent-…"}}, "signature": "…"})`` → ``{"receipt": {...}, "bill": {...}}``. A bill rule
        refuses with its code before anything is appended; the ledger's refusals (signature,
        replay, ``STREAM_VERSION_CONFLICT`` …) pass through. Re-submitting an applied command
        returns its original receipt.
        """
        signed = SignedCommand.from_wire(command)
        require_bill_stream(signed.stream)
        with self.db.transaction() as session:
            already_applied = bool(state.applied_ids(session, [signed.entry_id]))
        if not already_applied and self._decide(signed) is None:
            return {"receipt": None, "bill": self._view_if_any(signed.stream)}  # idle tick
        with self.projector.appending([signed.entry_id]):
            receipt = self.ledger.append_one(command)
            self._projection().project([LedgerEntry.from_receipt(receipt)])
        return {"receipt": receipt, "bill": self._view_if_any(signed.stream)}

    @rpc(expected_exceptions=REFUSALS)
    def submit_batch(self, commands: list) -> dict:
        """Check, append and project up to ``BATCH_LIMIT`` signed bill commands at once, as a
        bank's desk sends a day's endorsements, discounts or answers on many bills.

        ``submit_batch([{"envelope": {...}, "signature": "..."}, ...])`` → ``{"results":
        [{"receipt": {<compact receipt>}, "checkpoint": "<signed note>"} | {"receipt": None}
        (an idle tick) | {"error": {"code", "message", "details"}}, ...]}``, one result per
        command in the order sent. Commands on one bill apply in the order given; commands on
        different bills share one ledger append. Each command is decided exactly as ``submit``
        decides it, and one command's refusal does not stop the others. A compact receipt
        leaves out the command itself and the checkpoint it is proved against, given beside it
        (``ledger.expand_receipt(receipt, command, checkpoint)`` rebuilds the full one). The
        answer carries no bill views: read them with ``get_bill``.
        """
        if not isinstance(commands, list) or not 0 < len(commands) <= BATCH_LIMIT:
            raise ValidationFailed(
                f"commands is a list of 1 to {BATCH_LIMIT} signed commands",
                {"field": "commands"},
                code="BATCH_INVALID",
            )
        results: list[dict | None] = [None] * len(commands)
        pending = []
        for position, wire in enumerate(commands):
            try:
                signed = SignedCommand.from_wire(wire)
                require_bill_stream(signed.stream)
                pending.append((position, signed, wire))
            except REFUSALS as refusal:
                results[position] = {"error": _error_of(refusal)}
        while pending:  # each wave takes at most one command per bill, in the order sent
            wave, later, streams = [], [], set()
            for item in pending:
                (later if item[1].stream in streams else wave).append(item)
                streams.add(item[1].stream)
            self._submit_wave(wave, results)
            pending = later
        return {"results": results}

    @rpc
    def ping(self) -> str:
        """Liveness: answers without touching the database."""
        return "pong"

    @rpc
    def health(self) -> dict:
        """The health contract every service keeps: ``{"status": "ok"}`` (no database)."""
        return {"status": "ok"}

    @rpc(expected_exceptions=REFUSALS)
    def get_bill(self, package_no: str) -> dict:
        """The bill with its range map and full history: ``get_bill("1234…")``."""
        with self.db.transaction() as session:
            return schemas.bill_view(session, package_no)

    @rpc(expected_exceptions=REFUSALS)
    def range_map(self, package_no: str) -> list[dict]:
        """One row per sub-range: holder, status, pledgee, pending request."""
        with self.db.transaction() as session:
            return schemas.range_map(session, package_no)

    @rpc(expected_exceptions=REFUSALS)
    def bills_of(self, party_id: str, role: str = "held") -> list[dict]:
        """A party's bills as ``held``, ``receivable`` or ``payable``, with the ranges concerned."""
        with self.db.transaction() as session:
            return schemas.bills_of(session, party_id, role)

    @rpc(expected_exceptions=REFUSALS)
    def tick(self, package_no: str) -> dict:
        """Let the clock act on one bill (lapsed requests, silent bank acceptors): submits a
        ``bill.tick`` signed by the operator, or nothing when nothing is due (``receipt`` None)."""
        stream = stream_of(schemas.checked_package_no(package_no))
        with self.db.transaction() as session:
            version = state.stream_version(session, stream)
        return self.submit(self.operator.tick(stream, version, self.clock()))

    @rpc(expected_exceptions=REFUSALS)
    @configured_timer("BILLS_TICK_SECONDS", 60)
    def tick_due(self) -> list[str]:
        """Tick every bill with a request past its deadline; returns the bills ticked."""
        with self.db.transaction() as session:
            due = state.due_for_tick(session, china_date(self.clock()))
        ticked = []
        for package_no in due:
            try:
                if self.tick(package_no)["receipt"]:
                    ticked.append(package_no)
            except PlatformError as refusal:  # e.g. lost a race with an answer: next round
                log.info("tick refused: %s", refusal.code, extra={"code": refusal.code})
            except Exception:  # one broken bill must not stop the others' deadlines
                log.exception("tick failed for %s", package_no)
        return ticked

    @rpc(expected_exceptions=REFUSALS)
    def rebuild(self) -> dict:
        """Operator: drop the projection and replay every ``bill:`` entry of the ledger (events
        still waiting in the outbox are sent all the same; the replay sends none)."""
        ledger_entries = paging.entries(self.ledger.read_entries, prefix="bill:")
        return {"entries": self._projection().rebuild(PROJECTION_TABLES, ledger_entries)}

    @event_handler("ledger", "entries_committed")
    def project_ledger_entries(self, payload: dict) -> None:
        """Project bill entries whoever appended them (heals a crash after an append), as the
        ledger holds them: the event only says where to read."""
        self._projection().heal(payload)

    @configured_timer("BILLS_OUTBOX_SECONDS", 5)
    def publish_outbox(self) -> None:
        """Dispatch events a crash left committed but unsent."""
        self._projection().relay()

    # -- helpers ------------------------------------------------------------------------------

    def _submit_wave(self, wave: list, results: list) -> None:
        """Decide, append together and project commands on distinct bills."""
        with self.db.transaction() as session:
            applied = state.applied_ids(session, [signed.entry_id for _, signed, _ in wave])
            states = state.load_many(session, [signed.stream for _, signed, _ in wave])
        accepted, known = [], {}
        for position, signed, wire in wave:
            if signed.entry_id not in applied:  # an applied one is re-sent for its receipt
                try:
                    decided = self._decide(signed, states[signed.stream])
                    if decided is None:
                        results[position] = {"receipt": None}  # an idle tick
                        continue
                    known[signed.stream] = (decided.version, decided.bill)
                except REFUSALS as refusal:
                    results[position] = {"error": _error_of(refusal)}
                    continue
            accepted.append((position, signed, wire))
        if not accepted:
            return
        with self.projector.appending(signed.entry_id for _, signed, _ in accepted):
            answer = self.ledger.append([wire for _, _, wire in accepted])
            entries = []
            for (position, _, wire), verdict in zip(accepted, answer["verdicts"], strict=True):
                if not verdict["ok"]:
                    results[position] = {"error": verdict["error"]}
                    continue
                receipt, checkpoint = verdict["receipt"], answer["checkpoint"]
                results[position] = {"receipt": receipt, "checkpoint": checkpoint}
                full = expand_receipt(receipt, wire, checkpoint)
                entries.append(LedgerEntry.from_receipt(full))
            self._project_together(entries, known)

    def _decide(
        self, signed: SignedCommand, read: state.StreamState | None = None
    ) -> state.StreamState | None:
        """The bill rules on a command at the stream version it was signed for: raises the
        refusal, or returns the state it was decided on (``None``: an idle tick, nothing to
        append). ``read``: the stream's state if the caller has read it already."""
        current = self._state_at(signed.stream, signed.expected_version, read)
        bill_command = BillCommand(signed.type, signed.signer, signed.body)
        context = Context(self.clock(), self.calendar, self.ledger.party_kind)
        events = decide_entry(current.bill, bill_command, signed.stream, context)
        return current if events else None

    def _project_together(self, entries: list[LedgerEntry], known: dict) -> None:
        """Project a wave's entries (distinct bills) in one transaction; if that fails (a gap,
        a party lookup), entry by entry as the ledger's event would."""
        try:
            self._projection(known).together(entries)
        except Exception:
            log.info("projecting a wave together failed; entry by entry", exc_info=True)
            self._projection().project(entries)

    def _state_at(
        self, stream: str, expected_version: int, read: state.StreamState | None = None
    ) -> state.StreamState:
        current = read
        if current is None:
            with self.db.transaction() as session:
                current = state.load(session, stream)
        if expected_version > current.version:  # the projection may lag the ledger: catch up
            self._projection().project(paging.stream_entries(self.ledger.read_entries, stream))
            with self.db.transaction() as session:
                current = state.load(session, stream)
        if expected_version != current.version:
            details = {
                "stream": stream,
                "expected_version": expected_version,
                "current_version": current.version,
            }
            raise Conflict("the bill has moved on", details, code="STREAM_VERSION_CONFLICT")
        return current

    def _projection(self, known: dict | None = None) -> Projection:
        applier = BillsApplier(self._context_for, known)
        return self.projector.projection(self.db, self.ledger.read_entries, self.dispatch, applier)

    def _context_for(self, entry: LedgerEntry) -> Context:
        """What decided an entry: its ledger time, and the parties admitted before it."""

        def party_kind(party_id: str) -> str | None:
            record = self.ledger.party(party_id)
            admitted = record is not None and record["admitted_sequence"] < entry.sequence
            return record["kind"] if admitted else None

        return Context(entry.at, self.calendar, party_kind)

    def _view_if_any(self, stream: str) -> dict | None:
        try:
            return self.get_bill(package_of(stream))
        except BillNotFound:  # e.g. an idle tick on a bill never issued
            return None


def _error_of(refusal: Exception) -> dict:
    """A refusal as a batch result: ``{"code", "message", "details"}``."""
    if isinstance(refusal, PlatformError):
        return refusal.to_dict()
    code = getattr(refusal, "code", "INVALID_ENVELOPE")
    return {"code": code, "message": str(refusal), "details": getattr(refusal, "details", {})}
