"""Test harness: the real PostgreSQL, Redis and RabbitMQ of this machine, isolated per run.

Each run gets its own PostgreSQL database, RabbitMQ vhost and Redis key prefix, created here and
removed afterwards, because the machine's services are shared with whatever ran before. When a
service is missing, the run fails at once and says what to start — it never skips.
"""

import os

import eventlet

# Before anything imports socket, threading or psycopg2. ``make test-unit`` runs the pure tier
# unpatched, in parallel processes (pytest-xdist's channels need real threads); the services'
# fixtures refuse to start there.
UNPATCHED = os.environ.get("BILLCHAIN_UNIT_TIER") == "1"
if not UNPATCHED:
    eventlet.monkey_patch()

import secrets  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import pytest  # noqa: E402

from ledger import generate_private_key, save_private_key  # noqa: E402
from ledger.ed25519 import generate_ed25519_key, save_ed25519_key  # noqa: E402
from tests.support.infrastructure import (  # noqa: E402
    Services,
    create_database,
    create_vhost,
    delete_redis_prefix,
    delete_vhost,
    drop_database,
    require_services,
)

STOP_SECONDS = 60


def _stop_within_a_minute():
    """A container's ``stop`` waits for its running workers. A worker stuck on a reply that will
    never come would hang the whole run (seen once, in a module's teardown, after its tests had
    passed). After ``STOP_SECONDS`` the container is killed instead, with a warning naming it."""
    import warnings

    from nameko.containers import ServiceContainer

    graceful = ServiceContainer.stop

    def stop(container):
        try:
            with eventlet.Timeout(STOP_SECONDS):
                return graceful(container)
        except eventlet.Timeout:
            stuck = f"{container.service_name} did not stop in {STOP_SECONDS} s: killed"
            warnings.warn(stuck, stacklevel=2)
            container.kill()

    ServiceContainer.stop = stop


_stop_within_a_minute()


@pytest.fixture(scope="session")
def services() -> Services:
    if UNPATCHED:
        pytest.fail("BILLCHAIN_UNIT_TIER=1 runs tests/unit only: run `make test`", pytrace=False)
    return require_services()


@pytest.fixture(scope="session")
def run_id() -> str:
    return secrets.token_hex(4)


@pytest.fixture(scope="session")
def database_factory(services, run_id):
    """Create throw-away databases; every one is dropped when the run ends."""
    created = []

    def make(label: str = "main") -> str:
        name = f"billchain_test_{run_id}_{label}_{len(created)}"
        created.append(name)
        return create_database(services, name)

    yield make
    for name in created:
        drop_database(services, name)


@pytest.fixture(scope="session")
def amqp_uri(services, run_id):
    vhost = f"billchain-test-{run_id}"
    create_vhost(services, vhost)
    yield f"{services.amqp_base}/{vhost}"
    delete_vhost(services, vhost)


@pytest.fixture(scope="session")
def redis_prefix(services, run_id):
    prefix = f"billchain-test-{run_id}:"
    yield prefix
    delete_redis_prefix(services, prefix)


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    for name in ("ledger", "operator"):
        save_private_key(generate_private_key(), directory / f"{name}.pem")
    save_ed25519_key(generate_ed25519_key(), directory / "ledger-ed25519.pem")
    return directory


# -- the ledger service, shared by every test of a run ------------------------------------


@pytest.fixture(scope="session")
def ledger_config(database_factory, amqp_uri, redis_prefix, key_dir):
    from services.common.serialization import NAMEKO_SERIALIZER_CONFIG
    from services.ledger.operations import bootstrap

    config = {
        **NAMEKO_SERIALIZER_CONFIG,
        "AMQP_URI": amqp_uri,
        "DATABASE_URL": database_factory("ledger"),
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "REDIS_PREFIX": redis_prefix,
        "CLOCK": "redis",
        "LEDGER_ORIGIN": "test.billchain/ledger",
        "LEDGER_KEY_FILE": str(key_dir / "ledger.pem"),
        "LEDGER_ED25519_KEY_FILE": str(key_dir / "ledger-ed25519.pem"),
        "OPERATOR_KEY_FILE": str(key_dir / "operator.pem"),
        "OPERATOR_PARTY_ID": "operator",
        "LEDGER_BLOCK_SIZE": 50,
        "max_workers": 20,
    }
    bootstrap(config)
    return config


@pytest.fixture(scope="session")
def ledger_service(ledger_config):
    from nameko.containers import ServiceContainer

    from services.ledger.service import LedgerService

    container = ServiceContainer(LedgerService, ledger_config)
    container.start()
    yield container
    container.stop()


@pytest.fixture(scope="session")
def rpc(ledger_config, ledger_service):
    from nameko.standalone.rpc import ClusterRpcProxy

    with ClusterRpcProxy(ledger_config, timeout=60) as proxy:
        yield proxy


@pytest.fixture(scope="session")
def operator(key_dir):
    from ledger import read_private_key
    from tests.support.ledger_factories import Signer

    return Signer("operator", read_private_key(key_dir / "operator.pem"))


@pytest.fixture
def admit(rpc, operator):
    """Admit a new party through the ledger service; returns its Signer."""
    from tests.support.ledger_factories import admission

    def make(kind: str = "enterprise"):
        wire, party = admission(operator, kind)
        rpc.ledger.append_one(wire)
        return party

    return make


@pytest.fixture(scope="session")
def ledger_process(ledger_config, services, run_id, tmp_path_factory):
    """A second ledger replica as a real ``nameko run`` process, on its own vhost and the same
    database: for measurements where the test client must not share the service's hub."""
    with ledger_replica(ledger_config, services, f"{run_id}-process", tmp_path_factory) as found:
        yield found.proxy, found.config_file


@contextmanager
def ledger_replica(ledger_config, services, name: str, tmp_path_factory, **settings):
    """A ``nameko run`` ledger process on vhost ``billchain-test-<name>`` with ``settings``
    added to the config; yields its ``proxy``, ``config_file``, ``process`` and ``vhost`` once
    it answers ``ping``."""
    import subprocess
    import sys

    import yaml
    from nameko.standalone.rpc import ClusterRpcProxy

    vhost = f"billchain-test-{name}"
    create_vhost(services, vhost)
    config = {**ledger_config, "AMQP_URI": f"{services.amqp_base}/{vhost}", **settings}
    config_file = tmp_path_factory.mktemp("ledger-process") / "config.yml"
    config_file.write_text(yaml.safe_dump(config))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nameko",
            "run",
            "--config",
            str(config_file),
            "services.ledger.service",
        ],
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        with ClusterRpcProxy(config, timeout=60) as proxy:
            for _ in range(100):
                try:
                    proxy.ledger.ping()
                    break
                except Exception:
                    eventlet.sleep(0.2)
            yield SimpleNamespace(
                proxy=proxy, config_file=config_file, process=process, vhost=vhost
            )
    finally:
        process.terminate()
        process.wait(timeout=30)
        delete_vhost(services, vhost)
