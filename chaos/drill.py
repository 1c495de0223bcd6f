"""A drill: private servers, the platform on them, a steady signed load, and faults in turn.

After each fault, with the load still on, the drill waits until every service answers its
probe and every lane has had a command acknowledged, both sent after the fault and its repair —
that is "recovered", timed from the moment the fault began and bounded by the fault's
``bound_s`` (90 s unless it says otherwise). It then lets the load run a little longer, holds
it, waits for the queues to drain and the projections to catch up, and checks
(``chaos.checks``) before the next fault.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chaos import checks
from chaos.load import Client, Load, build_load
from chaos.platform import SERVICES, Platform
from chaos.servers import Servers

RECOVERY_BOUND_S = 90.0  # a fault, its repair (restart, rejoin, promotion) and catching up
LOAD_AFTER_RECOVERY_S = 3.0
SINGLE_NODE_LANES = {"bills": 1, "invoices": 1, "financing": 1, "gateway": 1}


@dataclass
class Fault:
    name: str
    what: str  # one line for the report
    strike: Callable[[Drill], None]
    bound_s: float = RECOVERY_BOUND_S


@dataclass
class Drill:
    servers: Servers
    platform: Platform
    load: Load
    client: Client
    ledger: checks.Ledger
    results: list[dict]
    log: Callable[[str], None] = print
    notes: dict = field(default_factory=dict)  # what a fault found, for its result
    stopped_node: object = None

    def run_fault(self, fault: Fault) -> dict:
        acknowledged_before = len(set(self.load.acks.entry_ids()))
        retries_before, refusals_before = self.load.acks.retries, len(self.load.acks.refusals)
        restarts_before = {s: p.restarts for s, p in self.platform.processes.items()}
        liveness_before = {s: p.liveness_restarts for s, p in self.platform.processes.items()}
        self.log(f"fault {fault.name}: {fault.what}")
        self.notes = {}
        started = time.monotonic()
        fault.strike(self)
        struck_s = time.monotonic() - started
        recovered_s = self._wait_for_recovery(started, started + struck_s, fault.bound_s)
        if recovered_s is not None:
            time.sleep(LOAD_AFTER_RECOVERY_S)
        self.load.pause()
        result = {
            "fault": fault.name,
            "what": fault.what,
            "fault_and_repair_s": round(struck_s, 1),
            "recovered": recovered_s is not None,
            "time_to_recover_s": None if recovered_s is None else round(recovered_s, 1),
            "bound_s": fault.bound_s,
        }
        result.update(checks.settle(self.ledger, self.servers.rabbit, self.client))
        acknowledged = self.load.acks.entry_ids()
        result.update(self.ledger.exactly_once(acknowledged))
        result["acknowledged_in_fault"] = len(set(acknowledged)) - acknowledged_before
        result.update(checks.replay_probe(self.client, self.load.acks.samples))
        result.update(
            checks.projections_equal_rebuild(self.ledger, self.client, self.platform.env())
        )
        # what this fault caused: commands sent again, refusals, processes restarted
        result["commands_resent"] = self.load.acks.retries - retries_before
        result["refusals"] = [list(r) for r in self.load.acks.refusals[refusals_before:]]
        result["lane_errors"] = self.load.errors()
        result["restarts"] = {
            service: process.restarts - restarts_before[service]
            for service, process in self.platform.processes.items()
            if process.restarts > restarts_before[service]
        }
        result["liveness_restarts"] = {
            service: process.liveness_restarts - liveness_before[service]
            for service, process in self.platform.processes.items()
            if process.liveness_restarts > liveness_before[service]
        }
        result.update(self.notes)
        result["passed"] = passed(result)
        self.results.append(result)
        self.log(summary_line(result))
        self.load.resume()
        return result

    def _wait_for_recovery(self, started: float, repaired: float, bound: float) -> float | None:
        """Seconds from the fault until every service answers its probe and every lane has had
        a command acknowledged, both sent after the fault and its repair were done."""
        answering, serving_at = set(), None
        while time.monotonic() - started < bound:
            if serving_at is None:
                answering |= {s for s in SERVICES if s not in answering and self._answers(s)}
                if len(answering) == len(SERVICES):
                    serving_at = time.monotonic()
            if serving_at is not None and self.load.all_acknowledged_since(repaired):
                firsts = {}
                for record in self.load.acks.since(repaired):
                    firsts.setdefault(record.lane, record.acked_at)
                return max(serving_at, *firsts.values()) - started
            if self.load.errors():
                return None
            time.sleep(0.1)
        return None

    def _answers(self, service: str) -> bool:
        return self.platform.answers(self.client, service)


def passed(result: dict) -> bool:
    return (
        result["recovered"]
        and result["settled_in_s"] is not None
        and result["lost"] == 0
        and result["applied_twice"] == 0
        and result["replays_accepted"] == 0
        and result["bills_differing"] == 0
        and result["invoices_differing"] == 0
        and result["credit_differing"] == 0
        and not result["refusals"]
        and not result["lane_errors"]
    )


def summary_line(result: dict) -> str:
    recovered = (
        f"recovered in {result['time_to_recover_s']} s" if result["recovered"] else "NOT recovered"
    )
    return (
        f"  {'PASS' if result['passed'] else 'FAIL'} {result['fault']}: {recovered};"
        f" acknowledged {result['acknowledged']} ({result['acknowledged_in_fault']} in this"
        f" fault), lost {result['lost']}, applied twice {result['applied_twice']},"
        f" replays accepted {result['replays_accepted']}/{result['replays_sent']},"
        f" projections differing {result['bills_differing']}/{result['invoices_differing']}"
        f"/{result['credit_differing']}, dead-lettered {result['dead_lettered']}"
    )


@contextlib.contextmanager
def running_platform(
    servers: Servers, work: Path, amqp_uri: str, database_url: str, lanes: dict[str, int],
    log=print, quorum_queues: bool = False,
):  # fmt: skip
    """The platform on ``servers``, its load running; everything stopped on the way out."""
    from examples.bank_client import BankSigner

    platform = Platform(amqp_uri, database_url, servers.redis.url, work)
    platform.quorum_queues = quorum_queues
    ledger = checks.Ledger(f"{database_url}")
    load = None
    client = Client(amqp_uri, name="chaos-checks")
    try:
        started = time.monotonic()
        platform.prepare()  # the database's part, while the broker may still be starting
        servers.wait_rabbit()
        platform.start()
        log(f"platform up in {time.monotonic() - started:.1f} s")
        operator = BankSigner.from_pem_file("operator", work / "keys" / "operator.pem")
        load = build_load(platform, operator, lanes)
        load.start()
        drill = Drill(servers, platform, load, client, ledger, [], log)
        deadline = time.monotonic() + 120
        while not load.all_acknowledged_since(started):  # every lane is going
            if load.errors() or time.monotonic() > deadline:
                raise RuntimeError(f"the load did not start: {load.errors()}")
            time.sleep(0.2)
        log(f"load running: {len(load.lanes)} lanes")
        yield drill
    finally:
        stopping = time.monotonic()
        try:
            if load is not None:
                load.stop()
            client.close()
            log(f"load stopped in {time.monotonic() - stopping:.1f} s")
        finally:  # the services are stopped whatever happened above
            platform.stop()
            ledger.close()
            log(f"platform stopped in {time.monotonic() - stopping:.1f} s")


def create_database(url: str, name: str = "billchain") -> str:
    from sqlalchemy import create_engine, text

    admin = create_engine(f"{url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{url}/{name}"
