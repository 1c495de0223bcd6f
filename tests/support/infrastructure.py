"""Reaching the machine's real services for tests, and failing clearly when one is missing."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
import redis
import requests
from kombu import Connection
from sqlalchemy import create_engine, text

START_HINTS = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
    "RabbitMQ": "rabbitmq-server -detached",
    "RabbitMQ management API": "rabbitmq-plugins enable rabbitmq_management",
}


@dataclass(frozen=True)
class Services:
    postgres_admin_url: str
    redis_url: str
    amqp_base: str
    rabbit_api: str


def _services_from_environment() -> Services:
    return Services(
        postgres_admin_url=os.environ.get(
            "TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
        ),
        redis_url=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
        amqp_base=os.environ.get("TEST_AMQP_BASE", "pyamqp://guest:guest@127.0.0.1:5672"),
        rabbit_api=os.environ.get("TEST_RABBIT_API", "http://guest:guest@127.0.0.1:15672/api"),
    )


def require_services() -> Services:
    """Check each service answers; fail the run (never skip) naming what to start."""
    services = _services_from_environment()
    checks = {
        "PostgreSQL": lambda: _check_postgres(services),
        "Redis": lambda: redis.Redis.from_url(services.redis_url, socket_timeout=3).ping(),
        "RabbitMQ": lambda: _check_amqp(services),
        "RabbitMQ management API": lambda: _api(services, "get", "overview").raise_for_status(),
    }
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:
            pytest.fail(
                f"{name} is not reachable ({exc}). Start it with: {START_HINTS[name]}",
                pytrace=False,
            )
    return services


def _check_postgres(services: Services) -> None:
    engine = create_engine(services.postgres_admin_url)
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    engine.dispose()


def _check_amqp(services: Services) -> None:
    with Connection(f"{services.amqp_base}//", connect_timeout=3) as connection:
        connection.ensure_connection(max_retries=1)


def _api(services: Services, method: str, path: str, **kwargs):
    return requests.request(method, f"{services.rabbit_api}/{path}", timeout=10, **kwargs)


def create_vhost(services: Services, vhost: str) -> None:
    _api(services, "put", f"vhosts/{vhost}").raise_for_status()
    permissions = {"configure": ".*", "write": ".*", "read": ".*"}
    _api(services, "put", f"permissions/{vhost}/guest", json=permissions).raise_for_status()


def delete_vhost(services: Services, vhost: str) -> None:
    _api(services, "delete", f"vhosts/{vhost}")


def private_ledger(
    services: Services,
    ledger_config: dict,
    database_factory,
    run_id: str,
    redis_prefix: str,
    label: str,
    **settings,
) -> tuple[dict, str]:
    """A bootstrapped ledger of one test module's own: vhost ``billchain-test-<run>-<label>``,
    database ``<label>_ledger``, Redis prefix ``<prefix><label>:``, and ``settings`` on top of
    ``ledger_config``. Returns (its config, the vhost), and the caller deletes the vhost."""
    from services.ledger.operations import bootstrap

    vhost = f"billchain-test-{run_id}-{label}"
    create_vhost(services, vhost)
    config = {
        **ledger_config,
        "AMQP_URI": f"{services.amqp_base}/{vhost}",
        "DATABASE_URL": database_factory(f"{label}_ledger"),
        "REDIS_PREFIX": f"{redis_prefix}{label}:",
        **settings,
    }
    bootstrap(config)
    return config, vhost


def _admin_engine(services: Services):
    return create_engine(services.postgres_admin_url, isolation_level="AUTOCOMMIT")


def create_database(services: Services, name: str) -> str:
    engine = _admin_engine(services)
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return services.postgres_admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(services: Services, name: str) -> None:
    engine = _admin_engine(services)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def delete_redis_prefix(services: Services, prefix: str) -> None:
    client = redis.Redis.from_url(services.redis_url)
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        client.delete(key)
    client.close()
