"""The gateway service (nameko ``gateway``): JSON API under ``/api/v1`` and the bill portal.

``nameko run --config config.yml services.gateway.service`` (``WEB_SERVER_ADDRESS`` picks the
port). A thin adapter: each route authenticates the session, checks that the user's party may
do or see what is asked (``access.py``), calls the service that owns the answer over RPC and
returns JSON. Signing happens in the browser; the gateway never holds a user's private key.
Routes and payloads: ``openapi.py`` (served at ``/api/v1/openapi.json``) and ``README.md``.
"""

from __future__ import annotations

import re
from pathlib import Path

from nameko.extensions import DependencyProvider
from sqlalchemy import select

import services.common.entrypoints  # noqa: F401  (CommandRejected comes back typed over RPC)
from ledger import read_private_key
from ledger.commands import format_time
from services.common.dependencies import Clock, Database, Redis
from services.common.errors import ValidationFailed
from services.common.metrics import Metrics
from services.common.rpc import TimedRpcProxy
from services.gateway import insight, operations
from services.gateway.domain import access
from services.gateway.domain.enrolment import check_enrolment
from services.gateway.errors import LoginFailed
from services.gateway.openapi import document
from services.gateway.passwords import DECOY_HASH, verify_password
from services.gateway.sessions import COOKIE, LoginThrottle, RateLimit, SessionStore
from services.gateway.tables import users
from services.gateway.web import http, json_response, portal_file, read_json

STATIC = Path(__file__).resolve().parent / "static"
_ENTRY_ID = re.compile(r"^[0-9a-f]{64}$")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9_.\-]{1,96}$")


class GatewaySettings(DependencyProvider):
    """Config: ``GATEWAY_SESSION_SECONDS`` (28800), ``GATEWAY_COOKIE_SECURE`` (true),
    ``GATEWAY_LOGIN_MAX_FAILURES`` (5 per user), ``GATEWAY_LOGIN_MAX_FAILURES_PER_ADDRESS``
    (50), ``GATEWAY_LOGIN_WINDOW_SECONDS`` (900), ``GATEWAY_RATE_LIMIT`` (300 requests per
    signed-in user) and ``GATEWAY_RATE_LIMIT_PER_ADDRESS`` (3000 per client address, on the
    routes without a session) per ``GATEWAY_RATE_WINDOW_SECONDS`` (10),
    ``GATEWAY_AUTO_APPROVE_KEYS`` (false: true
    only for the demo and tests, where the gateway registers enrolled browser keys at once with
    ``OPERATOR_KEY_FILE`` as ``OPERATOR_PARTY_ID``)."""

    def setup(self):
        config = self.container.config
        self.session_seconds = int(config.get("GATEWAY_SESSION_SECONDS", 8 * 3600))
        self.cookie_secure = str(config.get("GATEWAY_COOKIE_SECURE", "true")).lower() != "false"
        self.max_failures = int(config.get("GATEWAY_LOGIN_MAX_FAILURES", 5))
        self.max_address_failures = int(config.get("GATEWAY_LOGIN_MAX_FAILURES_PER_ADDRESS", 50))
        self.window = int(config.get("GATEWAY_LOGIN_WINDOW_SECONDS", 900))
        self.rate_limit = int(config.get("GATEWAY_RATE_LIMIT", 300))
        self.address_rate_limit = int(config.get("GATEWAY_RATE_LIMIT_PER_ADDRESS", 3000))
        self.rate_window = int(config.get("GATEWAY_RATE_WINDOW_SECONDS", 10))
        self.auto_approve = str(config.get("GATEWAY_AUTO_APPROVE_KEYS", "false")).lower() == "true"
        self.operator_id = config.get("OPERATOR_PARTY_ID", "operator")
        self.operator_key = (
            read_private_key(config["OPERATOR_KEY_FILE"]) if self.auto_approve else None
        )

    def get_dependency(self, worker_ctx):
        return self


def _text(payload: dict, name: str, limit: int) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= limit or "\x00" in value:
        raise ValidationFailed(
            f"{name} must be a string of 1 to {limit} characters, without NUL", {"field": name}
        )
    return value


def _path(value: str, pattern: re.Pattern, name: str) -> str:
    if not pattern.match(value):
        raise ValidationFailed(f"{name} has the wrong form", {name: value[:100]})
    return value


class GatewayService(insight.InsightRoutes):
    name = "gateway"

    db = Database()
    metrics = Metrics()
    redis = Redis()
    clock = Clock()
    settings = GatewaySettings()
    bills = TimedRpcProxy("bills")
    invoices = TimedRpcProxy("invoices")
    ledger = TimedRpcProxy("ledger")

    # -- session ------------------------------------------------------------------------------

    @http("POST", "/api/v1/session")
    def login(self, request):
        """Sign in: ``{"username": "alice", "password": "…"}`` → ``{"username", "party_id",
        "csrf_token"}`` and the HttpOnly session cookie. Refusals: ``LOGIN_FAILED`` (401),
        ``LOGIN_THROTTLED`` (429 with Retry-After)."""
        payload = self._object(request)
        username, password = _text(payload, "username", 64), _text(payload, "password", 1024)
        throttle = self._throttle()
        address = self._limit_address(request)
        throttle.check(username, address)
        with self.db.transaction() as session:
            user = session.execute(select(users).where(users.c.username == username)).first()
        if not verify_password(password, user.password_hash if user else DECOY_HASH) or not user:
            throttle.failed(username, address)
            raise LoginFailed("wrong username or password")
        throttle.succeeded(username)
        portal = self._sessions().open(user.username, user.party_id)
        response = json_response(self._with_time(portal.public()))
        response.set_cookie(
            COOKIE,
            portal.session_id,
            max_age=self.settings.session_seconds,
            path="/",
            secure=self.settings.cookie_secure,
            httponly=True,
            samesite="Strict",
        )
        return response

    @http("GET", "/api/v1/session")
    def whoami(self, request):
        """The signed-in user: ``{"username", "party_id", "csrf_token", "server_time"}`` (401 if
        none). ``server_time`` is the platform clock: the portal stamps ``created_at`` by it, so
        a browser whose clock is off still lands inside the ledger's time window."""
        return json_response(self._with_time(self._portal(request).public()))

    @http("DELETE", "/api/v1/session")
    def logout(self, request):
        """Sign out (needs ``X-CSRF-Token``); the session is deleted server-side."""
        portal = self._portal(request, state_changing=True)
        self._sessions().close(portal)
        response = json_response({"signed_out": True})
        response.delete_cookie(
            COOKIE, path="/", secure=self.settings.cookie_secure, httponly=True, samesite="Strict"
        )
        return response

    # -- commands -----------------------------------------------------------------------------

    @http("POST", "/api/v1/commands")
    def submit_command(self, request):
        """Forward a browser-signed command to the service that decides it: ``bill.*`` →
        ``bills.submit``; ``invoice.``/``trade.``/``consent.``/``financing.`` →
        ``invoices.submit``. Body: ``{"envelope": {...}, "signature": "<base64url r||s>"}``;
        ``envelope.signer`` must be the user's party. Answer: the service's
        ``{"receipt": {...}, …}``."""
        portal = self._portal(request, state_changing=True)
        wire = read_json(request)
        envelope = access.envelope_of(wire)
        service = access.route_of(envelope.get("type"))
        access.require_signer(envelope, portal.party_id)
        target = self.bills if service == "bills" else self.invoices
        return json_response(target.submit(wire))

    @http("POST", "/api/v1/keys")
    def submit_key_command(self, request):
        """A ``key.register``/``key.revoke``/``key.rotate`` the party signed with a key the
        ledger already knows; appended as is. (A party's first browser key is admitted by the
        operator: ``POST /api/v1/keys/enrolment``.)"""
        portal = self._portal(request, state_changing=True)
        wire = read_json(request)
        envelope = access.envelope_of(wire)
        if envelope.get("type") not in access.KEY_COMMANDS:
            raise ValidationFailed(
                "only key.register, key.revoke or key.rotate", code="COMMAND_TYPE_NOT_ROUTED"
            )
        access.require_signer(envelope, portal.party_id)
        return json_response({"receipt": self.ledger.append_one(wire)})

    @http("POST", "/api/v1/keys/enrolment")
    def enrol_key(self, request):
        """Ask for this browser's key to be registered for the user's party, with proof of
        possession (``enrolment.py``): ``{"proof": {"purpose": "billchain key enrolment",
        "party_id", "username", "public_key", "signed_at"}, "signature": "<r||s>"}`` →
        ``{"key_id", "status": "pending" | "registered", …}``. Idempotent per key. The operator
        approves (``python -m services.gateway.users approve-keys``), or with
        ``GATEWAY_AUTO_APPROVE_KEYS`` the gateway signs the ``key.register`` at once."""
        portal = self._portal(request, state_changing=True)
        now = self.clock()
        enrolment = check_enrolment(read_json(request), portal.party_id, portal.username, now)
        with self.db.transaction() as session:
            stored = operations.record_enrolment(session, enrolment, now)
        if stored.registered_at is None:
            on_ledger = self._key_on_ledger(enrolment)  # e.g. by the operator's register-key
            if on_ledger or self.settings.auto_approve:
                entry_id = None if on_ledger else self._register(enrolment, now)
                with self.db.transaction() as session:
                    stored = operations.mark_registered(session, enrolment.key_id, entry_id, now)
        return json_response(operations.enrolment_status(stored))

    # -- reads --------------------------------------------------------------------------------

    @http("GET", "/api/v1/party")
    def my_party(self, request):
        """The ledger's record of the user's party, with its registered keys."""
        portal = self._portal(request)
        return json_response(self.ledger.get_party(portal.party_id))

    @http("GET", "/api/v1/bills")
    def list_bills(self, request):
        """The party's bills: ``?role=held`` (default), ``payable`` or ``receivable``."""
        portal = self._portal(request)
        role = access.require_role(request.args.get("role"))
        return json_response({"bills": self.bills.bills_of(portal.party_id, role), "role": role})

    @http("GET", "/api/v1/bills/<package_no>")
    def get_bill(self, request, package_no):
        """One bill with its ranges, endorsement chains and history (403 if the party takes
        no part in it)."""
        portal = self._portal(request)
        bill = self.bills.get_bill(_path(package_no, _IDENTIFIER, "package_no"))
        access.require_bill_party(bill, portal.party_id)
        return json_response(bill)

    @http("GET", "/api/v1/invoices")
    def list_invoices(self, request):
        """Invoices the party issued or owes, newest first."""
        portal = self._portal(request)
        found = self.invoices.invoices_of(portal.party_id, portal.party_id)
        return json_response({"invoices": found})

    @http("GET", "/api/v1/trades/<trade_id>")
    def get_trade(self, request, trade_id):
        """A trade with its three-flow match; the invoices service refuses non-parties."""
        portal = self._portal(request)
        trade_id = _path(trade_id, _IDENTIFIER, "trade_id")
        return json_response(self.invoices.get_trade(trade_id, portal.party_id))

    @http("GET", "/api/v1/ledger/checkpoint")
    def checkpoint(self, request):
        """The latest signed checkpoint (C2SP signed note) with its tree size, its cosignatures
        and the cosigners' verifier keys; ``?witnessed=true``: the latest a witness cosigned."""
        self._portal(request)
        witnessed = request.args.get("witnessed", "false")
        if witnessed not in ("true", "false"):
            raise ValidationFailed(
                "witnessed must be true or false",
                {"witnessed": witnessed[:32]},
                code="INVALID_QUERY",
            )
        return json_response(self.ledger.get_checkpoint(witnessed=witnessed == "true"))

    @http("GET", "/api/v1/ledger/receipts/<entry_id>")
    def receipt(self, request, entry_id):
        """A receipt (leaf, inclusion proof, checkpoint) for an entry the party signed or on a
        bill it takes part in."""
        portal = self._portal(request)
        found = self.ledger.get_receipt(_path(entry_id, _ENTRY_ID, "entry_id"))
        envelope = found["leaf"]["envelope"]
        if envelope["signer"] != portal.party_id:
            kind, _, key = envelope["stream"].partition(":")
            if kind != "bill":
                access.require_signer(envelope, portal.party_id)
            access.require_bill_party(self.bills.get_bill(key), portal.party_id)
        return json_response(found)

    @http("GET", "/api/v1/ledger/info")
    def ledger_info(self, request):
        """The ledger's origin and checkpoint verifier key (public: what auditors pin)."""
        self._limit_address(request)
        return json_response(self.ledger.public_info())

    @http("GET", "/api/v1/health")
    def health(self, request):
        """Liveness of the gateway itself (no downstream calls)."""
        return json_response({"status": "ok", "service": "gateway"})

    @http("GET", "/api/v1/openapi.json")
    def openapi(self, request):
        return json_response(document())

    # -- the portal ---------------------------------------------------------------------------

    @http("GET", "/")
    def portal(self, request):
        return portal_file(STATIC, "index.html", request.environ)

    @http("GET", "/static/<path:filename>")
    def static(self, request, filename):
        return portal_file(STATIC, filename, request.environ)

    # -- helpers ------------------------------------------------------------------------------

    def _key_on_ledger(self, enrolment) -> bool:
        party = self.ledger.get_party(enrolment.party_id)
        return any(key["key_id"] == enrolment.key_id for key in party["keys"])

    def _register(self, enrolment, now) -> str:
        """Auto-approval: the operator's ``key.register``, signed here; its entry id."""
        s = self.settings
        version = self.ledger.stream_version(f"party:{enrolment.party_id}")
        wire = operations.key_registration(
            s.operator_key, s.operator_id, enrolment.party_id, enrolment.public_key, version, now
        )
        return self.ledger.append_one(wire)["entry_id"]

    def _with_time(self, fields: dict) -> dict:
        return {**fields, "server_time": format_time(self.clock())}

    def _sessions(self) -> SessionStore:
        return SessionStore(self.redis, self.settings.session_seconds)

    def _throttle(self) -> LoginThrottle:
        s = self.settings
        return LoginThrottle(self.redis, s.max_failures, s.max_address_failures, s.window)

    def _limit_address(self, request) -> str:
        """Count a request without a session against its client address; return the address."""
        address = request.remote_addr or "unknown"
        s = self.settings
        RateLimit(self.redis, s.address_rate_limit, s.rate_window).hit(f"addr:{address}")
        return address

    def _portal(self, request, state_changing: bool = False):
        portal = self._sessions().current(request.cookies.get(COOKIE))
        s = self.settings
        RateLimit(self.redis, s.rate_limit, s.rate_window).hit(f"user:{portal.username}")
        if state_changing:
            portal.require_csrf(request.headers.get("X-CSRF-Token"))
        return portal

    @staticmethod
    def _object(request) -> dict:
        payload = read_json(request)
        if not isinstance(payload, dict):
            raise ValidationFailed("the body must be a JSON object")
        return payload
