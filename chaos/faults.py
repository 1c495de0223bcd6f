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


# -- the RabbitMQ cluster ---------------------------------------------------------------------

LEADER_OF = "rpc-ledger"  # the queue every signed command passes through


def queue_leaders(drill) -> dict[str, tuple[str, str]]:
    """Each queue's (type, leader node), as a running node reports them."""
    for node in drill.servers.rabbit.nodes:
        try:
            return {row[0]: (row[1], row[2]) for row in node.queues("type", "leader")}
        except Exception:  # noqa: BLE001 (this one is down: ask the next)
            continue
    return {}


def stop_leader_node(drill) -> None:
    """Stop the node that leads ``rpc-ledger``'s quorum (the others keep a majority)."""
    leaders = queue_leaders(drill)
    queue_type, leader = leaders[LEADER_OF]
    if queue_type != "quorum":
        raise RuntimeError(f"{LEADER_OF} is a {queue_type} queue, not a quorum queue")
    node = next(node for node in drill.servers.rabbit.nodes if node.name == leader)
    drill.notes["queue_types"] = {name: kind for name, (kind, _) in sorted(leaders.items())}
    drill.notes["stopped_node"] = node.name
    node.stop()
    drill.stopped_node = node


def start_stopped_node(drill) -> None:
    """The stopped node starts again and rejoins its cluster; its replicas catch up."""
    node = drill.stopped_node
    node.start()
    drill.stopped_node = None


CLUSTER = [
    # the node's orderly stop hands its quorum leaderships over (tens of seconds here); a
    # service left without its consumers is restarted by its liveness probe (3 x 10 s)
    Fault(
        "rabbitmq-node-loss",
        f"the node leading {LEADER_OF}'s quorum queue stopped (3-node cluster)",
        stop_leader_node,
        bound_s=180.0,
    ),
    Fault("rabbitmq-node-return", "the stopped node started again, rejoining", start_stopped_node),
    kill("ledger"),
]


# -- PostgreSQL failover ----------------------------------------------------------------------


def fail_over(drill) -> None:
    """The primary goes away (immediate shutdown: as a crash), the synchronous replica is
    promoted; the services' multi-host URL (``target_session_attrs=read-write``) finds it."""
    primary, standby = drill.servers.postgres
    drill.notes["replication_before"] = primary.psql(
        "SELECT application_name || ' ' || state || ' ' || sync_state FROM pg_stat_replication"
    )
    primary.shutdown("immediate")
    standby.promote()
    drill.notes["promoted_in_recovery"] = standby.psql("SELECT pg_is_in_recovery()")


FAILOVER = [
    Fault(
        "postgres-failover",
        "the PostgreSQL primary stopped (immediate), its synchronous replica promoted",
        fail_over,
    ),
]
