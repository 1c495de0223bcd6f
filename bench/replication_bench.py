"""What synchronous replication costs the ledger (docs/decisions/0028): a group commit waiting
for a streaming replica to flush it, against the same commit returning once the primary alone
has flushed it.

On a PostgreSQL primary and a streaming replica of its own (chaos.servers: a temporary
directory, ports of its own; never the machine's shared server), `Appender.commit` of groups of
1 and 1,000 entries, each round once with ``synchronous_commit = on`` (the replica named in
``synchronous_standby_names`` must have flushed the WAL) and once with ``local``, interleaved,
so both see the same machine. Reports the medians and their ratio.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from ledger_bench import signed_batches  # noqa: E402

from chaos.servers import Servers  # noqa: E402
from ledger import generate_private_key, save_private_key  # noqa: E402
from ledger.keys import read_private_key  # noqa: E402
from services.ledger.appender import Appender  # noqa: E402
from services.ledger.operations import bootstrap, ledger_settings  # noqa: E402

GROUPS = (1, 1000)
ROUNDS = 15


def synchronous_replication_cost(progress=print) -> dict:
    servers = Servers.create()
    try:
        primary = servers.start_postgres()
        primary.psql("CREATE DATABASE billchain_bench")
        servers.start_standby(primary, "standby")
        primary.require_synchronous("standby")
        with tempfile.TemporaryDirectory() as keys:
            return _measure(f"{primary.url}/billchain_bench", Path(keys), progress)
    finally:
        servers.close()


def _measure(url: str, keys: Path, progress) -> dict:
    paths = {name: keys / f"{name}.pem" for name in ("ledger", "operator")}
    for path in paths.values():
        save_private_key(generate_private_key(), path)
    config = {
        "DATABASE_URL": url,
        "LEDGER_KEY_FILE": str(paths["ledger"]),
        "OPERATOR_KEY_FILE": str(paths["operator"]),
    }
    bootstrap(config)
    operator = read_private_key(paths["operator"])
    appender = Appender(ledger_settings(config))
    engine = create_engine(url)
    rows = []
    try:
        for group in GROUPS:
            timings = {"on": [], "local": []}
            for _ in range(ROUNDS):
                for mode in ("on", "local"):
                    commands = signed_batches("operator", operator, group, 1)[0]
                    timings[mode].append(_commit_ms(engine, appender, commands, mode))
            row = {
                "group": group,
                "synchronous_ms": round(statistics.median(timings["on"]), 2),
                "local_ms": round(statistics.median(timings["local"]), 2),
            }
            row["ratio"] = round(row["synchronous_ms"] / row["local_ms"], 2)
            rows.append(row)
            progress(
                f"  {group:,}-entry commit: {row['synchronous_ms']} ms synchronous,"
                f" {row['local_ms']} ms local ({row['ratio']}×)"
            )
    finally:
        engine.dispose()
    return {"rounds": ROUNDS, "groups": rows}


def _commit_ms(engine, appender: Appender, commands: list, mode: str) -> float:
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(text(f"SET LOCAL synchronous_commit = {mode}"))
        outcomes, *_ = appender.commit(connection, commands, datetime.now(UTC))
    elapsed = (time.perf_counter() - started) * 1000
    refused = [outcome.refusal for outcome in outcomes if outcome.refusal is not None]
    if refused:
        raise RuntimeError(f"the benchmark's own entries were refused: {refused[0]}")
    return elapsed


if __name__ == "__main__":
    print(synchronous_replication_cost())
