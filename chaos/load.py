"""A steady signed load that rides out faults: lanes of parties signing bill, invoice and
financing commands as they go (a drill lasts longer than the ledger's 5-minute window, so
nothing is pre-signed), over AMQP with a pika client and over the gateway's HTTP API.

A lane sends one command at a time and waits for its answer. No answer (a broker or service
down, a timeout, ``SERVICE_UNAVAILABLE``) is not a refusal: the lane sends **the same signed
command** again until it is answered, as a client must — the platform has to make that safe
(the ledger's idempotency: the same command comes back as its original receipt). A command is
*acknowledged* when a service answered it with a receipt (or with ``CREDIT_UNAVAILABLE``, which
says it is on the ledger and decided later); ``Acknowledgements`` keeps each one's entry id.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pika.exceptions
import requests

from examples.bank_client import BankApiError, BankClient, BankSigner
from ledger import generate_private_key, public_key_der
from ledger.commands import SignedCommand, b64encode
from ledger.credit_code import example_credit_code
from services.invoices.domain import Command, stream_for

FACE_FEN = 100_000_000
STEPS_PER_BILL = 20
# answers that mean "not now": the same command is sent again
TRANSIENT = {
    "RPC_TIMEOUT", "UNKNOWN_SERVICE", "SERVICE_UNAVAILABLE", "INTERNAL_ERROR", "REMOTE_ERROR",
    "LEDGER_UNAVAILABLE",
}  # fmt: skip
CONNECTION_ERRORS = (pika.exceptions.AMQPError, OSError, AttributeError, AssertionError)
GIVE_UP_SECONDS = 200  # inside the ledger's 300 s window for a command's created_at


class Client:
    """A ``BankClient`` over every node of the cluster: a lost connection is opened anew on
    the next node (kombu's ``;`` failover, for pika)."""

    def __init__(self, amqp_uri: str, name: str):
        self.urls = [_pika_url(url) for url in amqp_uri.split(";")]
        self.name = name
        self.index = 0
        self.client: BankClient | None = None

    def call(self, service: str, method: str, *args, timeout: float = 20, attempts: int = 1):
        for attempt in range(attempts):
            try:
                if self.client is None:
                    self.client = BankClient(self.urls[self.index], name=self.name)
                return self.client.call_with(service, method, args, timeout=timeout)
            except CONNECTION_ERRORS:
                self.reset()
                if attempt == attempts - 1:
                    raise

    def reset(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close()
        self.client = None
        self.index = (self.index + 1) % len(self.urls)

    def close(self) -> None:
        self.reset()


def _pika_url(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"amqp://{rest}" if scheme in ("pyamqp", "amqp") else url


@dataclass
class Acknowledgement:
    lane: str
    entry_id: str
    sent_at: float  # monotonic
    acked_at: float
    attempts: int


@dataclass
class Acknowledgements:
    records: list[Acknowledgement] = field(default_factory=list)
    refusals: list[tuple[str, str, str]] = field(default_factory=list)  # lane, code, message
    samples: list[tuple[BankSigner, dict]] = field(default_factory=list)  # for replay probes
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, record: Acknowledgement, signer: BankSigner | None, wire: dict) -> None:
        with self.lock:
            self.records.append(record)
            self.retries += record.attempts - 1
            if signer is not None:
                self.samples = [*self.samples[-199:], (signer, wire)]

    def refused(self, lane: str, code: str, message: str) -> None:
        with self.lock:
            self.refusals.append((lane, code, message))

    def entry_ids(self) -> list[str]:
        with self.lock:
            return [record.entry_id for record in self.records]

    def since(self, moment: float) -> list[Acknowledgement]:
        with self.lock:
            return [record for record in self.records if record.sent_at >= moment]


class Refused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code


class Lane(threading.Thread):
    """One closed loop of signed commands; ``run`` until ``stop``, idle while ``paused``."""

    think = 0.05  # seconds between commands: a steady load, not a flood, on two cores

    def __init__(self, name: str, amqp_uri: str, operator: BankSigner, acks: Acknowledgements):
        super().__init__(name=name, daemon=True)
        self.amqp_uri = amqp_uri
        self.operator = operator
        self.acks = acks
        self.client = Client(amqp_uri, name=f"chaos-{name}")
        self.running = threading.Event()
        self.running.set()
        self.idle = threading.Event()
        self.stopping = threading.Event()
        self.error: BaseException | None = None
        self.signers: dict[str, BankSigner] = {}

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                try:
                    self.set_up()
                    for step in self.steps():
                        self._between_commands()
                        if self.stopping.is_set():
                            return
                        self.send(*step)
                except Refused as refusal:  # recorded; the lane starts afresh
                    self.acks.refused(self.name, refusal.code, str(refusal))
                    time.sleep(0.5)
        except BaseException as exc:  # reported by the drill, never silent
            self.error = exc
        finally:
            self.idle.set()
            self.client.close()

    def _between_commands(self) -> None:
        if not self.running.is_set():
            self.idle.set()
            while not self.running.wait(0.2):
                if self.stopping.is_set():
                    return
            self.idle.clear()
        time.sleep(self.think)

    # -- what a lane sends ---------------------------------------------------------------------

    def set_up(self) -> None:
        raise NotImplementedError

    def steps(self):
        raise NotImplementedError

    def send(self, service: str, wire: dict) -> dict:
        """Send one signed command until it is answered; the answer, acknowledged."""
        entry_id = SignedCommand.from_wire(wire).entry_id
        sent, attempts = time.monotonic(), 0
        while True:
            attempts += 1
            try:
                answer = self.deliver(service, wire)
                record = Acknowledgement(self.name, entry_id, sent, time.monotonic(), attempts)
                self.acks.add(record, self.signers.get(wire["envelope"]["signer"]), wire)
                return answer
            except Refused as refusal:
                if refusal.code not in TRANSIENT:
                    raise
            except CONNECTION_ERRORS:
                self.client.reset()
            if time.monotonic() - sent > GIVE_UP_SECONDS or self.stopping.is_set():
                raise Refused("NO_ANSWER", f"no answer for {GIVE_UP_SECONDS} s")
            time.sleep(0.3)

    def deliver(self, service: str, wire: dict) -> dict:
        try:
            return self.client.call(service, "submit", wire, timeout=15)
        except BankApiError as refusal:
            if refusal.code == "CREDIT_UNAVAILABLE" and refusal.details.get("entry_id"):
                return {"entry_id": refusal.details["entry_id"]}  # on the ledger, decided later
            raise Refused(refusal.code, refusal.message) from None

    def call(self, service: str, method: str, *args):
        """A set-up call, sent until answered (the same way as a command)."""
        started = time.monotonic()
        while True:
            try:
                return self.client.call(service, method, *args, timeout=15)
            except BankApiError as refusal:
                if refusal.code not in TRANSIENT:
                    raise Refused(refusal.code, refusal.message) from None
            except CONNECTION_ERRORS:
                self.client.reset()
            if time.monotonic() - started > GIVE_UP_SECONDS or self.stopping.is_set():
                raise Refused("NO_ANSWER", f"{service}.{method}: no answer")
            time.sleep(0.3)

    # -- parties ---------------------------------------------------------------------------

    def admit(self, *kinds: str) -> list[tuple[BankSigner, str]]:
        """New parties admitted by the operator: (signer, credit code) each."""
        now, admitted, commands = datetime.now(UTC), [], []
        for kind in kinds:
            party = BankSigner(f"{kind[:3]}-{secrets.token_hex(5)}", generate_private_key())
            code = example_credit_code(secrets.randbelow(10**8))
            body = {
                "party_id": party.party_id,
                "kind": kind,
                "name": f"Chaos {kind} {party.party_id}",
                "public_key": b64encode(public_key_der(party.private_key)),
                "credit_code": code,
            }
            stream = f"party:{party.party_id}"
            commands.append(self.operator.sign("party.admit", stream, 0, body, created_at=now))
            admitted.append((party, code))
            self.signers[party.party_id] = party
        self.append(commands)
        return admitted

    def append(self, commands: list[dict]) -> None:
        answer = self.call("ledger", "append", commands)
        for verdict in answer["verdicts"]:
            if not verdict["ok"]:
                raise Refused(verdict["error"]["code"], verdict["error"]["message"])


def china_today() -> str:
    return (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()


class BillsLane(Lane):
    """Two enterprises passing a whole bill back and forth (``bill.endorse`` by the holder,
    ``bill.sign`` by the endorsee) through ``bills.submit``; a fresh bill every 20 commands."""

    def set_up(self) -> None:
        (self.first, _), (self.second, _), (self.drawer, _), (self.bank, _) = self.admit(
            "enterprise", "enterprise", "enterprise", "bank"
        )

    def deliver_bill(self) -> str:
        number = str(1 + secrets.randbelow(9)) + f"{secrets.randbelow(10**29):029d}"
        maturity = (datetime.now(UTC) + timedelta(hours=8, days=90)).date().isoformat()
        issue = {
            "package_no": number, "kind": "bank_acceptance", "acceptor": self.bank.party_id,
            "payee": self.first.party_id, "amount_fen": FACE_FEN, "issue_date": china_today(),
            "maturity_date": maturity,
        }  # fmt: skip
        steps = [
            (self.drawer, "bill.issue", issue),
            (self.drawer, "bill.present_acceptance", {}),
            (self.bank, "bill.accept", {}),
            (self.drawer, "bill.present_receipt", {}),
            (self.first, "bill.receive", {}),
        ]
        for version, (signer, type, body) in enumerate(steps):
            self.send("bills", signer.sign(type, f"bill:{number}", version, body))
        return number

    def steps(self):
        while True:
            number = self.deliver_bill()
            for turn in range(STEPS_PER_BILL // 2):
                holder, endorsee = (
                    (self.first, self.second) if turn % 2 == 0 else (self.second, self.first)
                )
                version, stream = 5 + 2 * turn, f"bill:{number}"
                body = {"start": 1, "end": FACE_FEN, "endorsee": endorsee.party_id}
                yield "bills", holder.sign("bill.endorse", stream, version, body)
                yield "bills", endorsee.sign("bill.sign", stream, version + 1, {"start": 1})


def invoice_body(seller_code: str, buyer_code: str) -> dict:
    amount, tax = 100_000, 13_000  # 10 units at 100.00, 13% VAT
    line = {
        "name": "热轧钢卷", "quantity": "10", "unit_price_fen": 10_000, "amount_fen": amount,
        "tax_rate_bp": 1300, "tax_fen": tax,
    }  # fmt: skip
    return {
        "number": "".join(secrets.choice("0123456789") for _ in range(20)),
        "issue_date": china_today(),
        "seller_credit_code": seller_code,
        "buyer_credit_code": buyer_code,
        "lines": [line],
        "amount_fen": amount,
        "tax_fen": tax,
        "total_fen": amount + tax,
    }


class InvoicesLane(Lane):
    """A seller issues invoices its buyer confirms (``invoices.submit``); with ``financing``,
    the seller then applies to a bank for financing of each (``financing.apply``), which the
    invoices service checks against the credit service's limit."""

    financing = False

    def set_up(self) -> None:
        admitted = self.admit("enterprise", "enterprise", "bank")
        (self.seller, self.seller_code), (self.buyer, self.buyer_code), (self.bank, _) = admitted
        if self.financing:
            body = {"bank": self.bank.party_id}
            self.send("invoices", self.sign(self.seller, "consent.grant", body, 0))

    @staticmethod
    def sign(signer: BankSigner, type: str, body: dict, version: int) -> dict:
        stream = stream_for(Command(type, signer.party_id, body))
        return signer.sign(type, stream, version, body)

    def steps(self):
        while True:
            body = invoice_body(self.seller_code, self.buyer_code)
            yield "invoices", self.sign(self.seller, "invoice.issue", body, 0)
            confirm = {"number": body["number"]}
            yield "invoices", self.sign(self.buyer, "invoice.confirm", confirm, 1)
            if self.financing:
                application = {
                    "financing_id": f"fin-{secrets.token_hex(5)}",
                    "bank": self.bank.party_id,
                    "invoices": [{"number": body["number"], "amount_fen": body["total_fen"]}],
                    "amount_fen": 1_000,
                }
                yield "invoices", self.sign(self.seller, "financing.apply", application, 0)


class FinancingLane(InvoicesLane):
    financing = True


class GatewayLane(BillsLane):
    """The bills lane's two enterprises as SMEs signed in to the portal: each signed command is
    posted to ``POST /api/v1/commands`` by its signer's own session (bills set up over AMQP)."""

    def __init__(self, *args, gateway_url: str, database_url: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.gateway_url = gateway_url
        self.database_url = database_url
        self.sessions: dict[str, tuple[requests.Session, str]] = {}
        self.password = secrets.token_urlsafe(18)

    def set_up(self) -> None:
        from services.gateway.operations import add_user

        super().set_up()
        self.sessions.clear()
        for sme in (self.first, self.second):
            add_user({"DATABASE_URL": self.database_url}, sme.party_id, sme.party_id, self.password)

    def deliver(self, service: str, wire: dict) -> dict:
        signer = wire["envelope"]["signer"]
        if signer not in (self.first.party_id, self.second.party_id):
            return super().deliver(service, wire)  # the bill's set-up, over AMQP
        try:
            session, csrf = self._session(signer)
            answer = session.post(
                f"{self.gateway_url}/api/v1/commands",
                json=wire,
                headers={"X-CSRF-Token": csrf},
                timeout=20,
            )
        except requests.RequestException:
            raise Refused("SERVICE_UNAVAILABLE", "the gateway did not answer") from None
        if answer.status_code in (401, 403):  # Redis lost the session: sign in again
            self.sessions.pop(signer, None)
            raise Refused("SERVICE_UNAVAILABLE", f"session refused ({answer.status_code})")
        if answer.status_code >= 500:
            raise Refused("SERVICE_UNAVAILABLE", f"HTTP {answer.status_code}")
        if answer.status_code >= 400:
            error = answer.json().get("error", {})
            raise Refused(error.get("code", str(answer.status_code)), error.get("message", ""))
        return answer.json()

    def _session(self, party_id: str) -> tuple[requests.Session, str]:
        if party_id not in self.sessions:
            session = requests.Session()
            signed_in = session.post(
                f"{self.gateway_url}/api/v1/session",
                json={"username": party_id, "password": self.password},
                timeout=20,
            )
            if signed_in.status_code != 200:
                raise Refused("SERVICE_UNAVAILABLE", f"sign-in answered {signed_in.status_code}")
            self.sessions[party_id] = (session, signed_in.json()["csrf_token"])
        return self.sessions[party_id]


@dataclass
class Load:
    lanes: list[Lane]
    acks: Acknowledgements

    def start(self) -> None:
        for lane in self.lanes:
            lane.start()

    def pause(self, timeout: float = 240) -> None:
        """Let every lane finish the command it is sending, then hold."""
        for lane in self.lanes:
            lane.idle.clear()
            lane.running.clear()
        deadline = time.monotonic() + timeout
        for lane in self.lanes:
            while not lane.idle.wait(0.5) and lane.is_alive():
                if time.monotonic() > deadline:
                    raise TimeoutError(f"lane {lane.name} did not finish its command")

    def resume(self) -> None:
        for lane in self.lanes:
            lane.running.set()

    def stop(self) -> None:
        for lane in self.lanes:
            lane.stopping.set()
            lane.running.set()
        deadline = time.monotonic() + 30  # a lane mid-call gives up with the drill
        for lane in self.lanes:
            lane.join(timeout=max(0.1, deadline - time.monotonic()))

    def errors(self) -> list[str]:
        return [f"{lane.name}: {lane.error!r}" for lane in self.lanes if lane.error is not None]

    def all_acknowledged_since(self, moment: float) -> bool:
        """Every lane has had a command sent at or after ``moment`` acknowledged."""
        lanes = {record.lane for record in self.acks.since(moment)}
        return all(lane.name in lanes for lane in self.lanes)


def build_load(platform, operator: BankSigner, lanes: dict[str, int]) -> Load:
    acks = Acknowledgements()
    kinds = {"bills": BillsLane, "invoices": InvoicesLane, "financing": FinancingLane}
    built: list[Lane] = []
    for kind, count in lanes.items():
        for index in range(count):
            name = f"{kind}-{index + 1}"
            if kind == "gateway":
                built.append(
                    GatewayLane(
                        name,
                        platform.amqp_uri,
                        operator,
                        acks,
                        gateway_url=platform.gateway_url,
                        database_url=platform.database_url,
                    )  # fmt: skip
                )
            else:
                built.append(kinds[kind](name, platform.amqp_uri, operator, acks))
    return Load(built, acks)
