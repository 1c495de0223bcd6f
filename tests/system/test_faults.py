"""Faults lose no acknowledged command and apply none twice.

Each fault hits a real ``nameko run`` ledger replica of its own (its own vhost, the session's
ledger database) while a large signed batch is in flight:

- the process is killed (SIGKILL) and another takes its place;
- its database connections are terminated by PostgreSQL;
- the broker closes its AMQP connections.

Afterwards the same signed batch is sent again, as a client does that got no answer. Each
command must then be on the ledger exactly once: a command committed before the fault comes
back as a duplicate with its original sequence, never as a second entry. The ledger must still
verify end to end, and the replica must keep serving after the database and broker faults.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

import eventlet
import pytest
import requests
from conftest import ledger_replica
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import create_engine, text

from ledger.audit import audit
from tests.support.ledger_factories import stream

CHUNKS, CHUNK = 12, 250  # one batch sent as concurrent calls: several group commits
APPLICATION = "billchain-faults"  # how PostgreSQL tells this replica's connections apart


@pytest.fixture
def signed_batch(admit):
    party = admit("bank")
    return [party.wire("trade.note", stream("fault"), 0, {"n": n}) for n in range(CHUNKS * CHUNK)]


def replica(ledger_config, services, name, tmp_path_factory):
    url = ledger_config["DATABASE_URL"]
    tagged = f"{url}{'&' if '?' in url else '?'}application_name={APPLICATION}"
    return ledger_replica(ledger_config, services, name, tmp_path_factory, DATABASE_URL=tagged)


def entry_ids(batch) -> list[str]:
    from ledger.commands import SignedCommand

    return [SignedCommand.from_wire(wire).entry_id for wire in batch]


def copies_on_the_ledger(ledger_config, ids: list[str]) -> dict[str, int]:
    engine = create_engine(ledger_config["DATABASE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT entry_id, count(*) FROM ledger.entries"
                " WHERE entry_id = ANY(:ids) GROUP BY entry_id"
            ),
            {"ids": ids},
        ).all()
    engine.dispose()
    return dict(rows)


def send_again_and_check(proxy, ledger_config, rpc, batch) -> dict:
    """The client's retry: every command accepted, each once on the ledger, ledger verified."""
    answer = proxy.ledger.append(batch)
    verdicts = answer["verdicts"]
    assert all(verdict["ok"] for verdict in verdicts), [v for v in verdicts if not v["ok"]][:3]
    ids = entry_ids(batch)
    copies = copies_on_the_ledger(ledger_config, ids)
    assert sorted(copies) == sorted(ids) and set(copies.values()) == {1}
    vkey = rpc.ledger.public_info()["vkey"]
    report = audit(ledger_config["DATABASE_URL"], vkey, progress=lambda _: None)
    assert report.ok, report.problems[:3]
    return {"duplicates": sum(v["duplicate"] for v in verdicts), "total": len(verdicts)}


def send_and_strike(proxy, ledger_config, batch, fault) -> tuple[int, list]:
    """Send ``batch`` in concurrent chunks and call ``fault`` as soon as its first entries are
    committed; return how many were on the ledger then, and the pending replies."""
    replies = [
        proxy.ledger.append.call_async(batch[start : start + CHUNK])
        for start in range(0, len(batch), CHUNK)
    ]
    ids, deadline = entry_ids(batch), time.monotonic() + 60
    engine = create_engine(ledger_config["DATABASE_URL"])
    with engine.connect() as connection:
        while True:
            committed = connection.execute(
                text("SELECT count(*) FROM ledger.entries WHERE entry_id = ANY(:ids)"),
                {"ids": ids},
            ).scalar_one()
            connection.commit()
            if committed:
                break
            assert time.monotonic() < deadline, "nothing of the batch was committed"
            time.sleep(0.005)
    engine.dispose()
    fault()
    return committed, replies


def test_a_replica_killed_mid_batch_loses_nothing_and_a_resend_applies_each_command_once(
    ledger_config, services, run_id, tmp_path_factory, rpc, signed_batch
):
    with replica(ledger_config, services, f"{run_id}-kill", tmp_path_factory) as doomed:

        def kill():
            os.kill(doomed.process.pid, signal.SIGKILL)

        committed, _ = send_and_strike(doomed.proxy, ledger_config, signed_batch, kill)
        doomed.process.wait(timeout=30)
    with replica(ledger_config, services, f"{run_id}-kill-2", tmp_path_factory) as successor:
        resent = send_again_and_check(successor.proxy, ledger_config, rpc, signed_batch)
    assert resent["duplicates"] >= committed  # what had committed came back as itself
    assert committed < len(signed_batch), "the fault should land mid-batch"


def test_database_connections_cut_mid_batch_lose_nothing_and_the_replica_serves_on(
    ledger_config, services, run_id, tmp_path_factory, rpc, signed_batch
):
    admin = create_engine(services.postgres_admin_url, isolation_level="AUTOCOMMIT")

    def cut_connections():
        with admin.connect() as connection:
            cut = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = :name"
                ),
                {"name": APPLICATION},
            ).scalar_one()
        assert cut >= 1, "the replica's connections were found"

    with replica(ledger_config, services, f"{run_id}-db", tmp_path_factory) as live:
        committed, replies = send_and_strike(
            live.proxy, ledger_config, signed_batch, cut_connections
        )
        for reply in replies:  # errors or verdicts: either way nothing half-applied
            with contextlib.suppress(Exception):
                reply.result()
        assert live.process.poll() is None, "the replica died with its connections"
        resent = send_again_and_check(live.proxy, ledger_config, rpc, signed_batch)
        assert live.proxy.ledger.ping() == "pong"
    admin.dispose()
    assert resent["duplicates"] >= committed
    assert committed < len(signed_batch), "the fault should land mid-batch"


def test_broker_connections_closed_mid_batch_lose_nothing_and_the_replica_reconnects(
    ledger_config, services, run_id, tmp_path_factory, rpc, signed_batch
):
    with replica(ledger_config, services, f"{run_id}-amqp", tmp_path_factory) as live:
        api, vhost = services.rabbit_api, requests.utils.quote(live.vhost, safe="")

        def listed() -> set[str]:
            found = requests.get(f"{api}/vhosts/{vhost}/connections", timeout=10).json()
            return {connection["name"] for connection in found}

        known = set()  # the management API lists a new connection a few seconds late
        deadline = time.monotonic() + 30
        while len(known) < 2:  # the replica's and the proxy's
            known |= listed()
            assert time.monotonic() < deadline, "the broker never listed the connections"
            eventlet.sleep(0.2)

        def close_connections():
            for name in known | listed():
                quoted = requests.utils.quote(name, safe="")
                requests.delete(f"{api}/connections/{quoted}", timeout=10)

        committed, _ = send_and_strike(live.proxy, ledger_config, signed_batch, close_connections)
        assert live.process.poll() is None, "the replica died with its broker connections"
        config = {**ledger_config, "AMQP_URI": f"{services.amqp_base}/{live.vhost}"}
        with ClusterRpcProxy(config, timeout=60) as client:  # the old one lost its connection
            deadline = time.monotonic() + 60
            while True:
                try:
                    assert client.ledger.ping() == "pong"
                    break
                except Exception:  # noqa: BLE001 (the replica is still reconnecting)
                    assert time.monotonic() < deadline, "the replica never reconnected"
                    eventlet.sleep(0.5)
            resent = send_again_and_check(client, ledger_config, rpc, signed_batch)
    assert resent["duplicates"] >= committed
    assert committed < len(signed_batch), "the fault should land mid-batch"
