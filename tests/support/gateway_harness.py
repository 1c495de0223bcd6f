"""Helpers for the gateway tests: the whole stack (ledger, bills, invoices, gateway) on a
ledger, database, vhost and Redis prefix of its own, a free HTTP port, and a portal client.

A private ledger for the same reason as the bills tests: the test clock moves to the bill's
calendar year and the ledger's time never goes back.
"""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

import redis
import requests

from ledger import canonical_encode
from tests.support.bills_service_harness import HOLIDAYS, Desk, TestClock
from tests.support.infrastructure import delete_vhost, private_ledger

PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_stack(
    label, ledger_config, database_factory, services, run_id, redis_prefix, operator, **settings
):
    """Start the services; returns (namespace, stop). ``settings`` override config keys, e.g.
    ``GATEWAY_AUTO_APPROVE_KEYS="true"``."""
    from nameko.containers import ServiceContainer
    from nameko.standalone.rpc import ClusterRpcProxy

    from services.bills.operations import migrate as migrate_bills
    from services.bills.service import BillsService
    from services.gateway.operations import migrate as migrate_gateway
    from services.gateway.service import GatewayService
    from services.invoices.operations import migrate as migrate_invoices
    from services.invoices.service import InvoicesService
    from services.ledger.service import LedgerService

    ledger, vhost = private_ledger(
        services, ledger_config, database_factory, run_id, redis_prefix, label
    )
    config = {
        **ledger,
        "DATABASE_URL": database_factory(label),
        "BILLS_HOLIDAYS": HOLIDAYS,
        "BILLS_TICK_SECONDS": 3600,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
        "GATEWAY_COOKIE_SECURE": "false",  # plain HTTP on loopback in tests
        "GATEWAY_LOGIN_MAX_FAILURES": 3,
        "GATEWAY_LOGIN_MAX_FAILURES_PER_ADDRESS": 10_000,  # every test client is 127.0.0.1
        "GATEWAY_RATE_LIMIT": 100_000,  # the fuzz pass sends hundreds of requests a second
        "GATEWAY_RATE_LIMIT_PER_ADDRESS": 100_000,
        **settings,
    }
    migrate_bills(config)
    migrate_invoices(config)
    migrate_gateway(config)
    containers = [
        ServiceContainer(LedgerService, ledger),
        ServiceContainer(BillsService, config),
        ServiceContainer(InvoicesService, config),
        ServiceContainer(GatewayService, config),
    ]
    for container in containers:
        container.start()
    client = redis.Redis.from_url(config["REDIS_URL"])
    clock = TestClock(client, f"{config['REDIS_PREFIX']}clock:now")
    proxy = ClusterRpcProxy(config, timeout=30)
    rpc = proxy.start()
    stack = SimpleNamespace(
        rpc=rpc,
        config=config,
        clock=clock,
        desk=Desk(rpc, clock, operator),
        url=f"http://{config['WEB_SERVER_ADDRESS']}",
        containers=containers,
    )

    def stop():
        proxy.stop()
        for container in reversed(containers):
            container.stop()
        client.close()
        delete_vhost(services, vhost)

    return stack, stop


def start_gateway(stack, **settings):
    """One more gateway on the stack's services, with other settings; returns (url, stop)."""
    from nameko.containers import ServiceContainer

    from services.gateway.service import GatewayService

    address = f"127.0.0.1:{free_port()}"
    container = ServiceContainer(
        GatewayService, {**stack.config, "WEB_SERVER_ADDRESS": address, **settings}
    )
    container.start()
    return f"http://{address}", container.stop


def enrolment(key, party_id: str, username: str, signed_at: datetime, /, **changes) -> dict:
    """A key enrolment as the browser sends it: the proof signed by ``key`` itself."""
    from ledger import public_key_der, sign
    from ledger.commands import b64encode, format_time
    from services.gateway.domain.enrolment import PURPOSE

    proof = {
        "purpose": PURPOSE,
        "party_id": party_id,
        "username": username,
        "public_key": b64encode(public_key_der(key)),
        "signed_at": format_time(signed_at),
        **changes,
    }
    return {"proof": proof, "signature": b64encode(sign(key, canonical_encode(proof)))}


def add_user(config: dict, party_id: str, username: str | None = None) -> str:
    from services.gateway.operations import add_user as add

    username = username or f"user-{secrets.token_hex(4)}"
    add(config, username, party_id, PASSWORD)
    return username


@dataclass
class Portal:
    """A browser-like client: keeps the session cookie, sends the CSRF header when it has one."""

    url: str
    http: requests.Session = field(default_factory=requests.Session)
    csrf: str | None = None

    def login(self, username: str, password: str = PASSWORD) -> requests.Response:
        response = self.http.post(
            f"{self.url}/api/v1/session", json={"username": username, "password": password}
        )
        if response.status_code == 200:
            self.csrf = response.json()["csrf_token"]
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(f"{self.url}{path}", **kwargs)

    def send(self, method: str, path: str, csrf: bool = True, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if csrf and self.csrf:
            headers.setdefault("X-CSRF-Token", self.csrf)
        return self.http.request(method, f"{self.url}{path}", headers=headers, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.send("POST", path, **kwargs)


def error_code(response: requests.Response) -> str:
    body = response.json()
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]["code"]
