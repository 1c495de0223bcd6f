"""How long one 1,000-entry group commit takes as the ledger grows.

The commit runs under the ledger's single writer lock, so its cost is the ceiling on append
throughput. Every look-up inside it must probe an index per wanted value, never scan the table:
this measures ``Appender.commit`` directly (no broker, no signature checks — those run before
the lock) on a throw-away database at several ledger sizes, and reports the largest size's
median against the smallest's, measured in the same run.
"""

from __future__ import annotations

import secrets
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ledger_bench import signed_batches  # noqa: E402

from ledger import generate_private_key, save_private_key  # noqa: E402
from ledger.keys import read_private_key  # noqa: E402
from services.ledger.appender import Appender  # noqa: E402
from services.ledger.operations import bootstrap, ledger_settings  # noqa: E402
from tests.support.infrastructure import create_database, drop_database, require_services  # noqa: E402

GROUP = 1000
FILL_GROUP = 4000  # entries per commit while growing the ledger between measurements
ROUNDS = 5  # groups timed at each size


def commit_growth(workdir: Path, sizes=(1_000, 50_000, 200_000), progress=print) -> dict:
    services = require_services()
    database = f"billchain_bench_commit_{secrets.token_hex(4)}"
    keys = {name: workdir / f"{name}-commit.pem" for name in ("ledger", "operator")}
    for path in keys.values():
        save_private_key(generate_private_key(), path)
    config = {
        "DATABASE_URL": create_database(services, database),
        "LEDGER_KEY_FILE": str(keys["ledger"]),
        "OPERATOR_KEY_FILE": str(keys["operator"]),
    }
    engine = create_engine(config["DATABASE_URL"])
    try:
        bootstrap(config)
        operator = read_private_key(keys["operator"])
        appender = Appender(ledger_settings(config))
        size, rows = 1, []
        for target in sizes:
            while size < target:
                size += _commit(engine, appender, _signed(operator, min(FILL_GROUP, target - size)))
            timings = []
            for _ in range(ROUNDS):
                commands = _signed(operator, GROUP)
                started = time.perf_counter()
                size += _commit(engine, appender, commands)
                timings.append((time.perf_counter() - started) * 1000)
            rows.append({"ledger_size": target, "median_ms": round(statistics.median(timings), 1)})
            progress(f"  {GROUP:,}-entry commit at {target:,} entries: {rows[-1]['median_ms']} ms")
    finally:
        engine.dispose()
        drop_database(services, database)
    return {
        "group": GROUP,
        "rounds": ROUNDS,
        "sizes": rows,
        "largest_vs_smallest": round(rows[-1]["median_ms"] / rows[0]["median_ms"], 2),
    }


def _signed(key, count: int) -> list:
    return signed_batches("operator", key, count, 1)[0]


def _commit(engine, appender: Appender, commands: list) -> int:
    with engine.begin() as connection:
        outcomes, *_ = appender.commit(connection, commands, datetime.now(UTC))
    refused = [outcome.refusal for outcome in outcomes if outcome.refusal is not None]
    if refused:
        raise RuntimeError(f"the benchmark's own entries were refused: {refused[0]}")
    return len(outcomes)
