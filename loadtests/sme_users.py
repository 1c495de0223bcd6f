"""SMEs through the gateway's HTTP API: two SMEs that trade with each other, each
signed in with its own portal user (password → session cookie and CSRF token), the way two
people at two browsers would be. They read what the portal's dashboard shows — bills held,
receivable and payable, a bill, invoices, trades, financing applications, the latest
checkpoint, receipts of their own entries — and pass bills back and forth with signed commands
posted to ``POST /api/v1/commands``: ``bill.endorse`` by the holder, ``bill.sign`` by the
endorsee.

The commands are pre-signed by the runner (``Builder.sme_lanes``), as in the endorse suite: a
browser signs on its own machine, a load generator signing inside its gevent loop would stall
every other user. Closed loop. Request names are ``<METHOD> <route>``, a command
``POST /api/v1/commands[bill.endorse]``; every answer is checked and any 4xx or 5xx is a
failure (none is expected in this mix). ``/api/v1/credit`` is left out: the load stack runs no
credit service.
"""

from __future__ import annotations

import random
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

from locust import FastHttpUser, constant, task  # noqa: E402
from locust.contrib.fasthttp import FastHttpSession  # noqa: E402
from locust.exception import StopUser  # noqa: E402

from loadtests import gates, workload  # noqa: E402
from loadtests.lanes import Chain, run_step, take_lane  # noqa: E402

ROLES = ("held", "receivable", "payable")


@dataclass
class Desk:
    """One SME signed in: its party, its own HTTP session (cookie jar) and CSRF token."""

    party: str
    http: FastHttpSession
    csrf: str = ""


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def code(self) -> str | None:
        """The refusal's code (``{"error": {"code", …}}``); None when the body has none."""
        error = self.body.get("error")
        return error.get("code") if isinstance(error, dict) else None


class SmeUser(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.workload = workload.read(self.environment.parsed_options.workload)
        self.lane = take_lane(self.workload, "smes")
        self.chain = Chain(self.lane["steps"])
        self.desks = {sme["party"]: self._sign_in(sme) for sme in self.lane["smes"]}
        self.payee = self.desks[self.lane["smes"][0]["party"]]  # takes part in every lane bill
        self.receipts: deque[tuple[str, str]] = deque(maxlen=50)  # (entry id, signer)

    # -- signed operations --------------------------------------------------------------------

    @task(4)
    def endorse_or_sign(self) -> None:
        run_step(self, self.chain)

    def submit(self, _service: str, command: dict) -> Answer:
        """Post a pre-signed command with its signer's session; record its entry id once it is
        acknowledged (``run_step`` re-sends it when the outcome is unknown)."""
        envelope = command["envelope"]
        number = envelope["stream"].removeprefix("bill:")

        def receipted(body) -> str | None:
            if not body.get("receipt") or (body.get("bill") or {}).get("package_no") != number:
                return "the answer holds no receipt for this bill"
            return None

        desk = self.desks[envelope["signer"]]
        route = f"/api/v1/commands[{envelope['type']}]"
        answer = self.call(desk, "POST", "/api/v1/commands", route, receipted, json=command)
        if answer.ok and answer.body.get("receipt"):
            entry_id = answer.body["receipt"]["entry_id"]
            gates.ACKED.append(entry_id)
            self.receipts.append((entry_id, envelope["signer"]))
        return answer

    # -- reads --------------------------------------------------------------------------------

    @task(3)
    def bills_of_a_role(self) -> None:
        role = random.choice(ROLES)

        def listed(body) -> str | None:
            if body.get("role") != role or not isinstance(body.get("bills"), list):
                return f"not a list of {role} bills"
            return None

        desk = random.choice(list(self.desks.values()))
        self.call(desk, "GET", f"/api/v1/bills?role={role}", check=listed)

    @task(2)
    def read_bill(self) -> None:
        number = random.choice(self.lane["bills"])

        def same_bill(body) -> str | None:
            return None if body.get("package_no") == number else "another bill"

        self.call(
            self.payee, "GET", f"/api/v1/bills/{number}", "/api/v1/bills/{package_no}", same_bill
        )

    @task(1)
    def invoices(self) -> None:
        self._read_list("/api/v1/invoices", "invoices")

    @task(1)
    def trades(self) -> None:
        self._read_list("/api/v1/trades", "trades")

    @task(1)
    def financings(self) -> None:
        self._read_list("/api/v1/financings", "financings")

    @task(1)
    def checkpoint(self) -> None:
        def consistent(body) -> str | None:
            if int(body["note"].split("\n")[1]) != body["tree_size"]:
                return "the checkpoint note names another tree size"
            return None

        desk = random.choice(list(self.desks.values()))
        self.call(desk, "GET", "/api/v1/ledger/checkpoint", check=consistent)

    @task(1)
    def receipt(self) -> None:
        if not self.receipts:  # nothing acknowledged yet
            self.checkpoint()
            return
        entry_id, signer = random.choice(self.receipts)

        def of_the_entry(body) -> str | None:
            return None if body.get("entry_id") == entry_id else "a receipt of another entry"

        path, route = f"/api/v1/ledger/receipts/{entry_id}", "/api/v1/ledger/receipts/{entry_id}"
        self.call(self.desks[signer], "GET", path, route, of_the_entry)

    def _read_list(self, path: str, field: str) -> None:
        def listed(body) -> str | None:
            return None if isinstance(body.get(field), list) else f"no list of {field}"

        self.call(random.choice(list(self.desks.values())), "GET", path, check=listed)

    # -- HTTP ---------------------------------------------------------------------------------

    def _sign_in(self, sme: dict) -> Desk:
        desk = Desk(sme["party"], self._session())
        password = workload.password_of(sme["username"])
        credentials = {"username": sme["username"], "password": password}

        def of_the_party(body) -> str | None:
            return None if body.get("party_id") == sme["party"] else "signed in for another party"

        answer = self.call(desk, "POST", "/api/v1/session", check=of_the_party, json=credentials)
        if not answer.ok:
            raise StopUser()
        desk.csrf = answer.body["csrf_token"]
        return desk

    def _session(self) -> FastHttpSession:
        """An HTTP session of its own (cookie jar) for one SME of this user."""
        return FastHttpSession(
            base_url=self.host,
            request_event=self.environment.events.request,
            user=self,
            network_timeout=self.network_timeout,
            connection_timeout=self.connection_timeout,
        )

    def call(self, desk: Desk, method: str, path: str, route: str = "", check=None, **kwargs):
        """Send a request as ``desk`` (CSRF header on POST), report it as ``<METHOD> <route>``,
        a failure when the status is not 2xx or ``check(body)`` names a problem."""
        headers = {"X-CSRF-Token": desk.csrf} if method != "GET" and desk.csrf else {}
        name = f"{method} {route or path}"
        with desk.http.request(
            method, path, name=name, headers=headers, catch_response=True, **kwargs
        ) as response:
            body = _json(response)
            answer = Answer(response.status_code, body if isinstance(body, dict) else {})
            problem = None
            if not answer.ok:
                problem = f"HTTP {answer.status} {answer.code or ''}".rstrip()
            elif not isinstance(body, dict):
                problem = "the answer is not a JSON object"
            elif check:
                problem = check(answer.body)
            if problem:
                response.failure(problem)
            else:
                response.success()
        return answer


def _json(response):
    try:
        return response.json()
    except (ValueError, TypeError, AttributeError):
        return None
