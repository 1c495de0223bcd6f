"""Dependency providers: the only way a service reaches PostgreSQL, Redis or the clock."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import redis
from nameko.extensions import DependencyProvider
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker


class Database(DependencyProvider):
    """A SQLAlchemy engine per container; each worker gets a ``DatabaseHandle``.

    Config: ``DATABASE_URL``. psycopg2 is made cooperative by eventlet's monkey patching.
    """

    def setup(self):
        config = self.container.config
        self.engine = create_engine(
            config["DATABASE_URL"],
            pool_size=int(config.get("DB_POOL_SIZE", 10)),
            max_overflow=int(config.get("DB_MAX_OVERFLOW", 10)),
            pool_pre_ping=True,
            pool_timeout=30,
        )
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    def stop(self):
        self.engine.dispose()

    def get_dependency(self, worker_ctx):
        return DatabaseHandle(self.engine, self.sessions)


class DatabaseHandle:
    def __init__(self, engine, sessions):
        self.engine = engine
        self._sessions = sessions

    @contextmanager
    def transaction(self) -> Session:
        """A session whose work commits on success and rolls back on any error."""
        with self._sessions() as session, session.begin():
            yield session


class Redis(DependencyProvider):
    """A redis-py client (created after monkey patching) with the configured key prefix.

    Config: ``REDIS_URL``, ``REDIS_PREFIX`` (tests use their own prefix).
    """

    def setup(self):
        config = self.container.config
        self.prefix = config.get("REDIS_PREFIX", "billchain.")
        self.url = config["REDIS_URL"]

    def start(self):
        self.client = redis.Redis.from_url(
            self.url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30
        )

    def stop(self):
        self.client.close()

    def get_dependency(self, worker_ctx):
        return PrefixedRedis(self.client, self.prefix)


class PrefixedRedis:
    def __init__(self, client, prefix: str):
        self.client = client
        self.prefix = prefix

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)


class Clock(DependencyProvider):
    """The injected clock. ``CLOCK: system`` (default) or ``CLOCK: redis``, where a test sets
    ``<prefix>clock:now`` to an ISO timestamp and every service in the test reads that time."""

    def setup(self):
        config = self.container.config
        self.mode = config.get("CLOCK", "system")
        self.prefix = config.get("REDIS_PREFIX", "billchain.")
        self.url = config.get("REDIS_URL")

    def start(self):
        self.client = redis.Redis.from_url(self.url) if self.mode == "redis" else None

    def stop(self):
        if self.client is not None:
            self.client.close()

    def now(self) -> datetime:
        if self.client is not None:
            fixed = self.client.get(self.prefix + "clock:now")
            if fixed:
                return datetime.fromisoformat(fixed.decode())
        return datetime.now(UTC)

    def get_dependency(self, worker_ctx):
        return self.now
