"""Append throughput of the ledger service over RPC, with its verification share and how
responsive the service stays meanwhile.

The service runs as its own ``nameko run`` process on a throw-away database, vhost and Redis
prefix; this process only signs (beforehand) and sends. For batches of 1, 100 and 1,000 entries
it measures entries/s to durable commit (the RPC answers only after the commit), and, in the
same run, the trivial RPC round trip and the time ``verify_batch`` alone needs for the same
entries (the verification share).
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import eventlet
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ledger import generate_private_key, save_private_key, sign_command, verify_batch  # noqa: E402
from ledger.commands import b64encode  # noqa: E402
from ledger.ed25519 import generate_ed25519_key, save_ed25519_key  # noqa: E402
from ledger.keys import public_key_der  # noqa: E402
from services.common.serialization import NAMEKO_SERIALIZER_CONFIG  # noqa: E402
from services.ledger.operations import bootstrap  # noqa: E402
from tests.support.infrastructure import (  # noqa: E402
    create_database,
    create_vhost,
    delete_redis_prefix,
    delete_vhost,
    drop_database,
    require_services,
)

# Ledger service processes consuming the same queue, as deployed (deploy/k8s runs 2 replicas;
# the advisory lock keeps one writer at a time, the replicas share parsing and verification).
REPLICAS = 2
PLAN = [  # (batch size, batches, batches in flight)
    (1, 1500, 32),
    (100, 60, 4),
    (1000, 40, 4),
]


@contextmanager
def isolated_ledger(workdir: Path):
    services = require_services()
    run = secrets.token_hex(4)
    database, vhost, prefix = f"billchain_bench_{run}", f"billchain-bench-{run}", f"bench-{run}:"
    keys = {name: workdir / f"{name}.pem" for name in ("ledger", "operator")}
    for path in keys.values():
        save_private_key(generate_private_key(), path)
    ed25519_key = workdir / "ledger-ed25519.pem"
    save_ed25519_key(generate_ed25519_key(), ed25519_key)
    create_vhost(services, vhost)
    config = {
        **NAMEKO_SERIALIZER_CONFIG,
        "AMQP_URI": f"{services.amqp_base}/{vhost}",
        "DATABASE_URL": create_database(services, database),
        "REDIS_URL": services.redis_url,
        "REDIS_PREFIX": prefix,
        "LEDGER_KEY_FILE": str(keys["ledger"]),
        "LEDGER_ED25519_KEY_FILE": str(ed25519_key),
        "OPERATOR_KEY_FILE": str(keys["operator"]),
        "OPERATOR_PARTY_ID": "operator",
        "max_workers": 40,
    }
    bootstrap(config)
    config_file = workdir / "config.yml"
    config_file.write_text(yaml.safe_dump(config))
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "nameko",
                "run",
                "--config",
                str(config_file),
                "services.ledger.service",
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(REPLICAS)
    ]
    try:
        yield config, config_file
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        drop_database(services, database)
        delete_vhost(services, vhost)
        delete_redis_prefix(services, prefix)


def wait_for_ledger(rpc) -> None:
    """Until a replica answers (they start in their own processes)."""
    for _ in range(100):
        try:
            rpc.ledger.ping()
            return
        except Exception:
            eventlet.sleep(0.2)


def admit_party(rpc, operator_key):
    party_key = generate_private_key()
    party_id = f"bench-{secrets.token_hex(4)}"
    command = sign_command(
        operator_key,
        type="party.admit",
        stream=f"party:{party_id}",
        expected_version=0,
        signer="operator",
        body={
            "party_id": party_id,
            "kind": "bank",
            "name": "Bench bank",
            "public_key": b64encode(public_key_der(party_key)),
        },
        created_at=datetime.now(UTC),
    )
    rpc.ledger.append_one(command.to_wire())
    return party_id, party_key


def signed_batches(party_id, key, size: int, count: int) -> list[list]:
    now = datetime.now(UTC)
    return [
        [
            sign_command(
                key,
                type="bench.note",
                stream=f"bench:{secrets.token_hex(8)}",
                expected_version=0,
                signer=party_id,
                body={"n": n, "amount_fen": 12_345},
                created_at=now,
            )
            for n in range(size)
        ]
        for _ in range(count)
    ]


def run_plan(rpc, batches: list[list], in_flight: int) -> tuple[float, int]:
    """Send batches keeping ``in_flight`` calls outstanding; count accepted entries."""
    wires = [[command.to_wire() for command in batch] for batch in batches]
    started = time.perf_counter()
    pending, accepted = [], 0
    for wire_batch in wires:
        pending.append(rpc.ledger.append.call_async(wire_batch))
        if len(pending) >= in_flight:
            accepted += _accepted(pending.pop(0).result())
    for reply in pending:
        accepted += _accepted(reply.result())
    return time.perf_counter() - started, accepted


def _accepted(answer: dict) -> int:
    return sum(verdict["ok"] for verdict in answer["verdicts"])


def _start_pinger(config_file: Path) -> subprocess.Popen:
    """Ping from a process of its own, so this process's own work cannot delay the answers."""
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("pinger.py")), str(config_file), "8"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def _pinger_report(pinger: subprocess.Popen) -> dict:
    import json

    output, _ = pinger.communicate(timeout=120)
    return json.loads(output.strip().splitlines()[-1])


def ping_rate(rpc, calls: int = 300) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        rpc.ledger.ping()
    return calls / (time.perf_counter() - started)


def append_throughput(workdir: Path, progress=print) -> dict:
    from nameko.standalone.rpc import ClusterRpcProxy

    from ledger import read_private_key

    results = {"plans": [], "replicas": REPLICAS}
    with (
        isolated_ledger(workdir) as (config, config_file),
        ClusterRpcProxy(config, timeout=300) as rpc,
    ):
        wait_for_ledger(rpc)
        party_id, key = admit_party(rpc, read_private_key(config["OPERATOR_KEY_FILE"]))
        run_plan(rpc, signed_batches(party_id, key, 200, 2), 1)  # warm the service up
        results["ping_round_trips_per_second"] = ping_rate(rpc)
        for size, count, in_flight in PLAN:
            batches = signed_batches(party_id, key, size, count)
            seconds, accepted = run_plan(rpc, batches, in_flight)
            triples = [
                (public_key_der(key), command.message, command.signature)
                for batch in batches
                for command in batch
            ]
            started = time.perf_counter()
            assert all(verify_batch(triples))
            verify_seconds = time.perf_counter() - started
            entries = size * count
            plan = {
                "batch_size": size,
                "batches": count,
                "in_flight": in_flight,
                "entries": entries,
                "accepted": accepted,
                "seconds": seconds,
                "entries_per_second": entries / seconds,
                "verification_share": verify_seconds / seconds,
            }
            results["plans"].append(plan)
            progress(
                f"  batches of {size:>5}: {plan['entries_per_second']:>8,.0f} entries/s "
                f"(verification {plan['verification_share']:.0%} of the time)"
            )
        results["responsiveness"] = responsiveness(rpc, config_file, party_id, key)
    return results


def responsiveness(rpc, config_file: Path, party_id: str, key) -> dict:
    """A phase of its own: two 10,000-entry batches while another process asks for ``health``."""
    batches = signed_batches(party_id, key, 10_000, 2)
    pinger = _start_pinger(config_file)
    eventlet.sleep(1.5)  # let the pinger connect first
    run_plan(rpc, batches, 1)
    return _pinger_report(pinger)
