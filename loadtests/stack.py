"""A throw-away platform for a load run: its own PostgreSQL database, RabbitMQ vhost, Redis key
prefix and keys, the ledger and the business services as ``nameko run`` processes on the
repository's ``config.yml`` with environment overrides (as ``make run`` starts them), on
loopback only; with ``gateway=True`` also the HTTP gateway, on a free loopback port.
``stop()`` removes all of it.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "config.yml"
ENDPOINTS = {
    "postgres": os.environ.get(
        "LOAD_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432"
    ),
    "amqp": os.environ.get("LOAD_AMQP_BASE", "pyamqp://guest:guest@127.0.0.1:5672"),
    "rabbit_api": os.environ.get("LOAD_RABBIT_API", "http://guest:guest@127.0.0.1:15672/api"),
    "redis": os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/0"),
}
LEDGER_REPLICAS = int(os.environ.get("LOAD_LEDGER_REPLICAS", "2"))
# c2sp.org/tlog-witness witnesses of the load ledger, each its own process; 2 of 3 make a quorum
WITNESSES = ("w1", "w2", "w3")
WITNESS_QUORUM = 2
START_HINT = "start them with `make services` (deploy/local/services.sh)"
# The gateway's settings for a load run (config.yml has no placeholders for them): plain HTTP
# on loopback, and every simulated user signs in from 127.0.0.1.
GATEWAY_SETTINGS = """
GATEWAY_COOKIE_SECURE: "false"
GATEWAY_LOGIN_MAX_FAILURES_PER_ADDRESS: 1000000
GATEWAY_RATE_LIMIT: 1000000
GATEWAY_RATE_LIMIT_PER_ADDRESS: 1000000
"""


@dataclass
class Stack:
    amqp_uri: str
    database_url: str
    operator_key: Path
    gateway_url: str = ""  # http://127.0.0.1:<port>, when the stack runs a gateway
    owned: bool = False
    vhost: str = ""
    database: str = ""
    redis_prefix: str = ""
    key_dir: Path | None = None
    processes: list[subprocess.Popen] = field(default_factory=list)
    logs: list = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)  # each process's /metrics URL
    witness_policy: Path | None = None  # the k-of-n policy the ledger asks its witnesses by


def _rabbit(method: str, path: str, body: dict | None = None) -> None:
    """A call to RabbitMQ's management API (credentials from the URL's user info)."""
    url, user = _rabbit_endpoint()
    request = urllib.request.Request(
        f"{url}/{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "content-type": "application/json",
            "authorization": "Basic " + base64.b64encode(user.encode()).decode(),
        },
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


def _rabbit_endpoint() -> tuple[str, str]:
    parts = urlsplit(ENDPOINTS["rabbit_api"])
    user = f"{unquote(parts.username or 'guest')}:{unquote(parts.password or 'guest')}"
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), user


def _admin(statement: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"{ENDPOINTS['postgres']}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def require_services() -> None:
    """Fail at once, naming what to start, when PostgreSQL, Redis or RabbitMQ is missing."""
    import redis

    checks = {
        "PostgreSQL": lambda: _admin("SELECT 1"),
        "Redis": lambda: redis.Redis.from_url(ENDPOINTS["redis"], socket_timeout=3).ping(),
        "RabbitMQ management API": lambda: _rabbit("GET", "overview"),
    }
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:
            raise SystemExit(f"{name} is not reachable ({exc}); {START_HINT}") from None


def start(
    log_dir: Path, services: tuple[str, ...] = ("bills", "invoices"), gateway: bool = False
) -> Stack:
    require_services()
    run_id = secrets.token_hex(4)
    stack = Stack(
        amqp_uri="",
        database_url="",
        operator_key=Path(),
        owned=True,
        vhost=f"billchain-load-{run_id}",
        database=f"billchain_load_{run_id}",
        redis_prefix=f"billchain-load-{run_id}.",  # no ":": config values are read as YAML
        key_dir=Path(tempfile.mkdtemp(prefix="billchain-load-keys-")),
    )
    try:
        _create(stack)
        env = _environment(stack)
        env["LEDGER_WITNESS_POLICY_FILE"] = str(_start_witnesses(stack, log_dir))
        setup = [
            ["services.ledger", "bootstrap", "--config", str(CONFIG)],
            ["deploy.local.migrate_services"],
        ]
        with open(log_dir / "setup.log", "w") as log:
            for step in setup:
                command = [sys.executable, "-m", *step]
                output = {"stdout": log, "stderr": subprocess.STDOUT}
                if subprocess.run(command, env=env, cwd=REPO, **output).returncode:
                    raise SystemExit(f"{' '.join(step)} failed: see {log_dir / 'setup.log'}")
        # the ledger as it is deployed: replicas sharing its queue, one committing at a time
        modules = [["services.ledger.service"] for _ in range(LEDGER_REPLICAS)]
        present = [
            f"services.{s}.service"
            for s in services
            if (REPO / "services" / s / "service.py").exists()
        ]
        modules.append(present)
        for group in modules:
            _launch(stack, group, env, log_dir)
        if gateway:
            _launch_gateway(stack, env, log_dir)
        wait_until_ready(stack.amqp_uri, [m.split(".")[-2] for m in present])
        if gateway:
            wait_until_serving(stack.gateway_url)
    except BaseException:
        stop(stack)
        raise
    return stack


def _create(stack: Stack) -> None:
    from ledger import generate_private_key, save_private_key
    from ledger.ed25519 import generate_ed25519_key, save_ed25519_key

    _rabbit("PUT", f"vhosts/{quote(stack.vhost, safe='')}")
    user = _rabbit_endpoint()[1].split(":")[0]
    permissions = {"configure": ".*", "write": ".*", "read": ".*"}
    _rabbit("PUT", f"permissions/{quote(stack.vhost, safe='')}/{user}", permissions)
    _admin(f'CREATE DATABASE "{stack.database}"')
    stack.amqp_uri = f"{ENDPOINTS['amqp']}/{stack.vhost}"
    stack.database_url = f"{ENDPOINTS['postgres']}/{stack.database}"
    for name in ("ledger", "operator"):
        save_private_key(generate_private_key(), stack.key_dir / f"{name}.pem")
    save_ed25519_key(generate_ed25519_key(), stack.key_dir / "ledger-ed25519.pem")
    stack.operator_key = stack.key_dir / "operator.pem"


def _start_witnesses(stack: Stack, log_dir: Path) -> Path:
    """Three witness processes (``python -m ledger witness-serve``) trusting the load ledger's
    Ed25519 key, and the 2-of-3 policy file naming them."""
    from ledger.ed25519 import (
        Ed25519NoteKey,
        generate_ed25519_key,
        read_ed25519_key,
        save_ed25519_key,
    )

    origin = _environment(stack)["LEDGER_ORIGIN"]
    log_key = Ed25519NoteKey.of(origin, read_ed25519_key(stack.key_dir / "ledger-ed25519.pem"))
    lines = [f"log {log_key.vkey()}"]
    for name in WITNESSES:
        key_file = stack.key_dir / f"witness-{name}.pem"
        save_ed25519_key(generate_ed25519_key(), key_file)
        command = [sys.executable, "-m", "ledger", "witness-serve", "--name", f"{name}.load"]
        command += ["--key", str(key_file), "--state", str(stack.key_dir / f"witness-{name}.json")]
        command += ["--log", log_key.vkey(), "--listen", "127.0.0.1:0"]
        log = open(log_dir / f"witness-{name}.log", "w")  # noqa: SIM115
        stack.logs.append(log)
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=log, text=True)
        stack.processes.append(process)
        started = json.loads(process.stdout.readline())
        lines.append(f"witness {name} {started['vkey']} {started['url']}")
    lines += [f"group witnesses {WITNESS_QUORUM} {' '.join(WITNESSES)}", "quorum witnesses"]
    stack.witness_policy = stack.key_dir / "witnesses.policy"
    stack.witness_policy.write_text("\n".join(lines) + "\n")
    return stack.witness_policy


def _environment(stack: Stack) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "AMQP_URI": stack.amqp_uri,
        "DATABASE_URL": stack.database_url,
        "REDIS_URL": ENDPOINTS["redis"],
        "REDIS_PREFIX": stack.redis_prefix,
        "CLOCK": "system",
        "LEDGER_ORIGIN": "load.billchain.local/ledger",
        "LEDGER_KEY_FILE": str(stack.key_dir / "ledger.pem"),
        "LEDGER_ED25519_KEY_FILE": str(stack.key_dir / "ledger-ed25519.pem"),
        "OPERATOR_KEY_FILE": str(stack.operator_key),
        "LOG_LEVEL": "WARNING",
        "INVOICES_CREDIT_LIMITS": "false",  # the load stack runs no credit service
    }


def _launch(
    stack: Stack, modules: list[str], env: dict, log_dir: Path, config: Path = CONFIG
) -> None:
    name = "-".join(
        module.split(".")[-2] if module.startswith("services.") else "ledger" for module in modules
    )
    log = open(log_dir / f"services-{name}-{len(stack.logs)}.log", "w")  # noqa: SIM115
    stack.logs.append(log)
    command = [sys.executable, "-m", "nameko", "run", "--config", str(config), *modules]
    port = _free_port()  # each process its own exporter, scraped around every suite
    stack.metrics.append(f"http://127.0.0.1:{port}/metrics")
    env = {**env, "METRICS_ADDRESS": "127.0.0.1", "METRICS_PORT": str(port)}
    stack.processes.append(
        subprocess.Popen(command, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    )


def _launch_gateway(stack: Stack, env: dict, log_dir: Path) -> None:
    """The gateway as a process of its own (as deployed), on the repository's config plus
    ``GATEWAY_SETTINGS``, serving HTTP on a free loopback port."""
    config = stack.key_dir / "gateway-config.yml"  # a copy of config.yml: not kept with reports
    config.write_text(CONFIG.read_text() + GATEWAY_SETTINGS)
    address = f"127.0.0.1:{_free_port()}"
    stack.gateway_url = f"http://{address}"
    _launch(
        stack, ["services.gateway.service"], {**env, "WEB_SERVER_ADDRESS": address}, log_dir, config
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, timeout: float = 60.0) -> None:
    """The gateway answers ``GET /api/v1/health``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v1/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the gateway did not answer on {url} within {timeout:g} s")
        time.sleep(0.3)


def wait_until_ready(amqp_uri: str, services: list[str], timeout: float = 90.0) -> None:
    """Each service answers a call (a refusal is an answer)."""
    from examples.bank_client import BankApiError, BankClient

    probes = {"ledger": ("ping",), "bills": ("get_bill", "1" * 30), "invoices": ("health",)}
    deadline = time.monotonic() + timeout
    with BankClient(amqp_uri, name="load-runner-probe") as client:
        for service in ["ledger", *services]:
            method, *args = probes.get(service, ("health",))
            while True:
                try:
                    client.call_with(service, method, args, timeout=2)
                    break
                except BankApiError as refusal:
                    if refusal.code not in ("UNKNOWN_SERVICE", "RPC_TIMEOUT"):
                        break  # it answered
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{service} did not answer within {timeout:g} s")
                time.sleep(0.3)


def stop(stack: Stack) -> None:
    """Stop the services (SIGTERM, then kill) and remove everything the run created."""
    for process in stack.processes:
        process.terminate()
    for process in stack.processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for log in stack.logs:
        log.close()
    if not stack.owned:
        return
    cleanups = [
        lambda: _admin(f'DROP DATABASE IF EXISTS "{stack.database}" WITH (FORCE)'),
        lambda: _rabbit("DELETE", f"vhosts/{quote(stack.vhost, safe='')}"),
        lambda: _delete_redis_prefix(stack.redis_prefix),
    ]
    for cleanup in cleanups:
        try:
            cleanup()
        except Exception as exc:  # keep cleaning the rest
            print(f"cleanup: {exc}", file=sys.stderr)
    if stack.key_dir:
        shutil.rmtree(stack.key_dir, ignore_errors=True)


def _delete_redis_prefix(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(ENDPOINTS["redis"])
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        client.delete(key)
    client.close()
