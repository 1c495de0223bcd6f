"""The faults, each struck at the drill's own processes by PID or through its own nodes."""

from __future__ import annotations

import time

from chaos.drill import Fault
from chaos.platform import SERVICES


def kill(service: str) -> Fault:
    def strike(drill) -> None:
        drill.platform.kill(service)

    return Fault(
        f"kill-{service}", f"kill -9 the {service} process (restarted by the supervisor)", strike
    )


def rabbit_stop_app(drill) -> None:
    node = drill.servers.rabbit.nodes[0]
    node.ctl("stop_app")
    time.sleep(2)
    node.ctl("start_app")


def rabbit_restart(drill) -> None:
    node = drill.servers.rabbit.nodes[0]
    node.stop()
    node.start()


def postgres_restart(mode: str):
    def strike(drill) -> None:
        primary = drill.servers.postgres[0]
        primary.shutdown(mode)
        primary.start()

    return strike


def redis_flushall(drill) -> None:
    drill.servers.redis.flushall()


SINGLE_NODE = [
    *(kill(service) for service in SERVICES),
    Fault("rabbitmq-stop-app", "rabbitmqctl stop_app, 2 s, start_app", rabbit_stop_app),
    Fault("rabbitmq-restart", "RabbitMQ node stopped and started again", rabbit_restart),
    Fault(
        "postgres-fast",
        "PostgreSQL fast shutdown (SIGINT), started again",
        postgres_restart("fast"),
    ),
    Fault(
        "postgres-immediate",
        "PostgreSQL immediate shutdown (SIGQUIT, WAL recovery), started again",
        postgres_restart("immediate"),
    ),
    Fault(
        "redis-flushall", "Redis FLUSHALL: replay fast path, sessions, caches gone", redis_flushall
    ),
]
