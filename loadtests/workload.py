"""The pre-signed workload: parties, bills in circulation, and every command the users will send.

Signing is CPU work; done inside the Locust (gevent) process it would stall every simulated
user while one signs, so the runner builds the workload first — in its own process — and the
users only send bytes. Commands carry ``created_at`` = build time and the ledger accepts them
within 5 minutes of it: build right before a phase (the runner does) and keep a phase shorter.

Bills are set up in bulk: their five set-up commands (issue, present for acceptance, accept,
present for receipt, receive) go to the ledger in one ``ledger.append`` batch, and the bills
service projects them from the ledger's ``entries_committed`` events, like any entry appended
around it. The lanes then hold chains of commands at known stream versions.
"""

from __future__ import annotations

import math
import os
import secrets
import time
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import orjson

FACE_FEN = 100_000_000  # one million yuan
STEPS_PER_BILL = 20  # commands per bill before a lane moves on: keeps bill views small
SETUP_VERSION = 5  # the version of a bill once delivered to its payee
BATCH_BUDGET = {1: 300, 100: 30, 1000: 4}  # pre-signed batches per batch user, per size


SECRETS = "BILLCHAIN_LOAD_SECRETS"  # environment variable: {username: password}, never a file


@cache
def read(path: str) -> dict:
    """The workload file, parsed once per Locust process (users take distinct lanes)."""
    return orjson.loads(Path(path).read_bytes()) if path else {}


def write(path: Path, workload: dict) -> dict[str, str]:
    """Write the workload without its portal passwords (the report folder is kept and shared);
    return them, for the runner to hand to Locust in the environment (``SECRETS``)."""
    passwords = {}
    for lane in workload.get("smes", []):
        for sme in lane["smes"]:
            passwords[sme["username"]] = sme.pop("password")
    path.write_bytes(orjson.dumps(workload))
    return passwords


def password_of(username: str) -> str:
    return orjson.loads(os.environ.get(SECRETS, "{}"))[username]


def broker_uri(host: str) -> str:
    """The broker URI with its credentials: Locust is given one without them as ``--host``, since
    its reports print the host."""
    return os.environ.get(BROKER_URI, host)


BROKER_URI = "BILLCHAIN_LOAD_AMQP_URI"


def without_credentials(uri: str) -> str:
    """``amqp://user:password@host:port/vhost`` → ``amqp://host:port/vhost``."""
    scheme, _, rest = uri.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}" if rest else uri


def china_today() -> str:
    return (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()


class Builder:
    """Admits parties and sets up bills through the AMQP API (a ``BankClient``), signing with
    the ledger SDK; ``operator`` is the platform operator's signer (it admits parties)."""

    def __init__(self, client, operator):
        self.client = client
        self.operator = operator
        self.now = datetime.now(UTC)
        self.acceptor = None
        self.drawer = None

    # -- parties and bills -------------------------------------------------------------------

    def admit(self, kinds: list[str]) -> list:
        from examples.bank_client import BankSigner
        from ledger import generate_private_key, public_key_der
        from ledger.commands import b64encode
        from ledger.credit_code import example_credit_code

        parties, commands = [], []
        for kind in kinds:
            party = BankSigner(f"{kind[:3]}-{secrets.token_hex(5)}", generate_private_key())
            body = {
                "party_id": party.party_id,
                "kind": kind,
                "name": f"Load {kind} {party.party_id}",
                "public_key": b64encode(public_key_der(party.private_key)),
                "credit_code": example_credit_code(secrets.randbelow(10**8)),
            }
            stream = f"party:{party.party_id}"
            commands.append(self.operator.sign("party.admit", stream, 0, body, created_at=self.now))
            parties.append(party)
        self.append(commands)
        return parties

    def append(self, commands: list[dict]) -> list[str]:
        """Append in batches; every command must be accepted. Returns the entry ids."""
        entry_ids = []
        for start in range(0, len(commands), 2000):
            answer = self.client.call("ledger", "append", commands[start : start + 2000])
            for verdict in answer["verdicts"]:
                if not verdict["ok"]:
                    raise RuntimeError(f"workload set-up refused: {verdict['error']}")
                entry_ids.append(verdict["receipt"]["entry_id"])
        return entry_ids

    def deliver(self, payees: list, face_fen: int = FACE_FEN) -> list[str]:
        """Bills issued by one drawer, accepted by one bank, received by each payee."""
        if self.drawer is None:
            self.drawer, self.acceptor = self.admit(["enterprise", "bank"])
        maturity = (datetime.now(UTC) + timedelta(hours=8, days=90)).date().isoformat()
        numbers, commands = [], []
        for payee in payees:
            number = str(1 + secrets.randbelow(9)) + f"{secrets.randbelow(10**29):029d}"
            issue = {
                "package_no": number,
                "kind": "bank_acceptance",
                "acceptor": self.acceptor.party_id,
                "payee": payee.party_id,
                "amount_fen": face_fen,
                "issue_date": china_today(),
                "maturity_date": maturity,
            }
            steps = [
                (self.drawer, "bill.issue", issue),
                (self.drawer, "bill.present_acceptance", {}),
                (self.acceptor, "bill.accept", {}),
                (self.drawer, "bill.present_receipt", {}),
                (payee, "bill.receive", {}),
            ]
            for version, (signer, type, body) in enumerate(steps):
                commands.append(self.sign(signer, type, number, version, body))
            numbers.append(number)
        self.append(commands)
        self.wait_until_projected(numbers)
        return numbers

    def wait_until_projected(self, numbers: list[str], timeout: float = 120.0) -> None:
        from examples.bank_client import BankApiError

        deadline = time.monotonic() + timeout
        for number in numbers:
            while True:
                try:
                    if self.client.call("bills", "get_bill", number)["version"] >= SETUP_VERSION:
                        break
                except BankApiError as refusal:
                    if refusal.code != "BILL_NOT_FOUND":
                        raise
                if time.monotonic() > deadline:
                    raise TimeoutError(f"bill {number} was not projected in {timeout:g} s")
                time.sleep(0.05)

    def sign(self, signer, type: str, number: str, version: int, body: dict) -> dict:
        return signer.sign(type, f"bill:{number}", version, body, created_at=self.now)

    # -- suites ------------------------------------------------------------------------------

    def endorse_lanes(self, users: int, steps: int) -> list[dict]:
        """Per user: two enterprises passing whole bills back and forth (bill.endorse by the
        holder, bill.sign by the endorsee), a fresh bill every STEPS_PER_BILL commands."""
        lanes = []
        for _ in range(users):
            first, second = self.admit(["enterprise", "enterprise"])
            numbers = self.deliver([first] * math.ceil(steps / STEPS_PER_BILL))
            chain = self._back_and_forth(first, second, numbers)
            lanes.append({"party": first.party_id, "bills": numbers, "steps": chain[:steps]})
        return lanes

    def _back_and_forth(self, first, second, numbers: list[str]) -> list[dict]:
        """Each bill in turn, STEPS_PER_BILL commands: the holder's ``bill.endorse`` of the
        whole bill to the other, then the endorsee's ``bill.sign``; and back."""
        chain = []
        for number in numbers:
            for turn in range(STEPS_PER_BILL // 2):
                holder, endorsee = (first, second) if turn % 2 == 0 else (second, first)
                version = SETUP_VERSION + 2 * turn
                body = {"start": 1, "end": FACE_FEN, "endorsee": endorsee.party_id}
                chain.append(self.sign(holder, "bill.endorse", number, version, body))
                chain.append(self.sign(endorsee, "bill.sign", number, version + 1, {"start": 1}))
        return chain

    def endorse_batch_lanes(self, users: int, bills: int, batches: int) -> list[dict]:
        """Per user: two enterprises and sets of ``bills`` bills, passed back and forth in
        batches: one ``bill.endorse`` on every bill of a set, then every ``bill.sign``, and so
        on (STEPS_PER_BILL commands per bill before the lane moves to a fresh set)."""
        lanes = []
        per_set = STEPS_PER_BILL
        for _ in range(users):
            first, second = self.admit(["enterprise", "enterprise"])
            numbers = self.deliver([first] * bills * math.ceil(batches / per_set))
            chain = []
            for offset in range(0, len(numbers), bills):
                bill_set = numbers[offset : offset + bills]
                for step in range(per_set):
                    turn, signing = divmod(step, 2)
                    holder, endorsee = (first, second) if turn % 2 == 0 else (second, first)
                    version = SETUP_VERSION + step
                    if signing:
                        type, signer, body = "bill.sign", endorsee, {"start": 1}
                    else:
                        body = {"start": 1, "end": FACE_FEN, "endorsee": endorsee.party_id}
                        type, signer = "bill.endorse", holder
                    chain.append([self.sign(signer, type, n, version, body) for n in bill_set])
            lanes.append({"party": first.party_id, "batches": chain[:batches]})
        return lanes

    def bank_lanes(self, users: int, steps: int) -> list[dict]:
        """Per user: a bank and a supplier holding bills; the supplier asks the bank to
        discount one slice after another (bill.discount), the bank signs each (bill.sign)."""
        lanes, turns = [], STEPS_PER_BILL // 2
        slice_fen = FACE_FEN // turns
        for _ in range(users):
            bank, supplier = self.admit(["bank", "enterprise"])
            numbers = self.deliver([supplier] * math.ceil(steps / STEPS_PER_BILL))
            chain = []
            for number in numbers:
                for turn in range(turns):
                    start, version = 1 + turn * slice_fen, SETUP_VERSION + 2 * turn
                    end = FACE_FEN if turn == turns - 1 else (turn + 1) * slice_fen
                    body = {"start": start, "end": end, "bank": bank.party_id, "rate_bp": 150}
                    chain.append(self.sign(supplier, "bill.discount", number, version, body))
                    chain.append(
                        self.sign(bank, "bill.sign", number, version + 1, {"start": start})
                    )
            lane = {"bank": bank.party_id, "supplier": supplier.party_id, "bills": numbers}
            lanes.append({**lane, "steps": chain[:steps]})
        return lanes

    def batch_lanes(self, users: int, scale: float = 1.0, budget=BATCH_BUDGET) -> list[dict]:
        """Per user: batches of 1, 100 and 1000 entries on fresh ``load:`` streams."""
        lanes = []
        for signer in self.admit(["bank"] * users):
            batches = {}
            for size, count in budget.items():
                batches[str(size)] = [
                    [self._load_entry(signer) for _ in range(size)]
                    for _ in range(max(1, round(count * scale)))
                ]
            lanes.append({"signer": signer.party_id, "batches": batches})
        return lanes

    def _load_entry(self, signer) -> dict:
        stream = f"load:{secrets.token_hex(12)}"
        return signer.sign("load.entry", stream, 0, {"note": "load test"}, created_at=self.now)

    def contention(self, contenders: int, rounds: int, bills: int = 2) -> dict:
        """Bills whose holder signs, for every round, one endorsement of the same slice at the
        same version to each contender (a double-spend attempt per contender); each contender
        also pre-signs its acceptance. Exactly one may win each (bill, version)."""
        (holder,) = self.admit(["enterprise"])
        endorsees = self.admit(["enterprise"] * contenders)
        slice_fen = FACE_FEN // rounds
        contested = []
        for number in self.deliver([holder] * bills):
            plan = []
            for round_no in range(rounds):
                start, version = 1 + round_no * slice_fen, SETUP_VERSION + 2 * round_no
                end = (round_no + 1) * slice_fen
                offers = []
                for endorsee in endorsees:
                    body = {"start": start, "end": end, "endorsee": endorsee.party_id}
                    endorse = self.sign(holder, "bill.endorse", number, version, body)
                    accept = self.sign(endorsee, "bill.sign", number, version + 1, {"start": start})
                    offers.append(
                        {"endorsee": endorsee.party_id, "endorse": endorse, "sign": accept}
                    )
                plan.append({"version": version, "start": start, "end": end, "offers": offers})
            contested.append({"package_no": number, "holder": holder.party_id, "rounds": plan})
        return {"bills": contested, "contenders": contenders, "face_fen": FACE_FEN}

    def sme_lanes(self, users: int, steps: int, database_url: str) -> list[dict]:
        """Per user: two SMEs, each with a portal user of the gateway (in ``database_url``),
        passing whole bills back and forth over HTTP: ``bill.endorse`` by the holder, then
        ``bill.sign`` by the endorsee, a fresh bill every STEPS_PER_BILL commands. Their party
        keys are the SDK keys the commands are signed with, so the ledger verifies them; the
        gateway checks only that the signer is the signed-in user's party."""
        from services.gateway.operations import add_user

        password = secrets.token_urlsafe(18)
        lanes = []
        for _ in range(users):
            first, second = self.admit(["enterprise", "enterprise"])
            numbers = self.deliver([first] * math.ceil(steps / STEPS_PER_BILL))
            chain = self._back_and_forth(first, second, numbers)
            smes = []
            for sme in (first, second):
                username = f"load-{sme.party_id}"
                add_user({"DATABASE_URL": database_url}, username, sme.party_id, password)
                smes.append({"party": sme.party_id, "username": username, "password": password})
            lanes.append({"smes": smes, "bills": numbers, "steps": chain[:steps]})
        return lanes
