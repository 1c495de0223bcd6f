"""What must hold after every fault, read from the drill's own database and broker:

- every acknowledged command is on the ledger exactly once (``lost``, ``applied_twice``);
- a replayed nonce is refused even with Redis' fast path gone (``replays_accepted``);
- every projection equals a replay of the ledger: the bills and invoices projections against
  their ``rebuild``, row for row; the credit service's entries against the ledger's;
- nothing loops on the broker: every service queue drains, and what was dead-lettered is
  counted (``dead_lettered``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import create_engine, select, text

from chaos.platform import CONFIG
from services.bills.tables import PROJECTION_TABLES as BILLS_TABLES
from services.credit.domain.book import RELEVANT_STREAMS
from services.invoices.projection.streams import PREFIXES as INVOICE_PREFIXES
from services.invoices.tables import PROJECTION_TABLES as INVOICES_TABLES


class Ledger:
    def __init__(self, database_url: str):
        self.engine = create_engine(database_url, pool_pre_ping=True, pool_size=2)

    def scalar(self, sql: str, **params):
        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).scalar_one()

    def size(self) -> int:
        return self.scalar("SELECT count(*) FROM ledger.entries")

    def exactly_once(self, acknowledged: list[str]) -> dict:
        with self.engine.connect() as connection:
            copies = dict(
                connection.execute(
                    text(
                        "SELECT entry_id, count(*) FROM ledger.entries"
                        " WHERE entry_id = ANY(:ids) GROUP BY entry_id"
                    ),
                    {"ids": acknowledged},
                ).all()
            )
            nonces_twice = connection.execute(
                text(
                    "SELECT count(*) FROM (SELECT 1 FROM ledger.entries GROUP BY signer, nonce"
                    " HAVING count(*) > 1) twice"
                )
            ).scalar_one()
        unique = set(acknowledged)
        return {
            "acknowledged": len(unique),
            "lost": sum(1 for entry_id in unique if entry_id not in copies),
            "applied_twice": sum(1 for n in copies.values() if n > 1) + nonces_twice,
        }

    def caught_up(self) -> dict[str, bool]:
        """Each projection has taken every ledger entry it follows."""
        prefixes = [f"{prefix}%" for prefix in INVOICE_PREFIXES]
        with self.engine.connect() as connection:
            size = connection.execute(text("SELECT count(*) FROM ledger.entries")).scalar_one()
            bills = connection.execute(
                text(
                    "SELECT (SELECT count(*) FROM ledger.entries WHERE stream LIKE 'bill:%')"
                    " = (SELECT count(*) FROM bills.entries)"
                )
            ).scalar_one()
            invoices = connection.execute(
                text(
                    "SELECT (SELECT count(*) FROM ledger.entries WHERE stream LIKE ANY(:p))"
                    " = (SELECT count(*) FROM invoices.processed_entries)"
                ),
                {"p": prefixes},
            ).scalar_one()
            credit = connection.execute(
                text("SELECT next_sequence FROM credit.cursor WHERE id = 1")
            ).scalar_one()
        return {"bills": bills, "invoices": invoices, "credit": credit == size}

    def snapshot(self, tables) -> Counter:
        rows: Counter = Counter()
        with self.engine.connect() as connection:
            for table in tables:
                for row in connection.execute(select(table)):
                    rows[(table.name, repr(tuple(row)))] += 1
        return rows

    def credit_matches_ledger(self) -> int:
        """Entries the credit service stored that the ledger's relevant entries are not, and
        the other way round (0: the same set)."""
        with self.engine.connect() as connection:
            return connection.execute(
                text(
                    "SELECT count(*) FROM ("
                    " (SELECT entry_id FROM ledger.entries"
                    "   WHERE split_part(stream, ':', 1) = ANY(:relevant)"
                    "   EXCEPT SELECT entry_id FROM credit.entries)"
                    " UNION ALL"
                    " (SELECT entry_id FROM credit.entries EXCEPT"
                    "   SELECT entry_id FROM ledger.entries)) differing"
                ),
                {"relevant": list(RELEVANT_STREAMS)},
            ).scalar_one()

    def close(self) -> None:
        self.engine.dispose()


def replay_probe(client, samples: list, count: int = 5) -> dict:
    """Sign new commands re-using acknowledged commands' nonces (each with its own signer's
    key, on a fresh stream): every one must be refused ``REPLAY_REFUSED``."""
    probes = []
    for signer, wire in samples[-count:]:
        nonce = wire["envelope"]["nonce"]
        stream = f"chaos_replay:{secrets.token_hex(6)}"
        body = {"replays": wire["envelope"]["stream"]}
        now = datetime.now(UTC)
        probes.append(signer.sign("chaos.replay", stream, 0, body, created_at=now, nonce=nonce))
    if not probes:
        return {"replays_sent": 0, "replays_accepted": 0}
    verdicts = client.call("ledger", "append", probes, timeout=30, attempts=3)["verdicts"]
    accepted = [v for v in verdicts if v["ok"]]
    codes = Counter(v["error"]["code"] for v in verdicts if not v["ok"])
    return {
        "replays_sent": len(probes),
        "replays_accepted": len(accepted),
        "replay_codes": dict(codes),
    }


def projections_equal_rebuild(ledger: Ledger, client, env: dict) -> dict:
    """Live projection rows against the rows a rebuild from the ledger gives."""
    live_bills = ledger.snapshot(BILLS_TABLES)
    client.call("bills", "rebuild", timeout=300, attempts=3)
    rebuilt_bills = ledger.snapshot(BILLS_TABLES)
    live_invoices = ledger.snapshot(INVOICES_TABLES)
    rebuild_invoices(env)
    rebuilt_invoices = ledger.snapshot(INVOICES_TABLES)
    return {
        "bills_rows": sum(live_bills.values()),
        "bills_differing": _differing(live_bills, rebuilt_bills),
        "invoices_rows": sum(live_invoices.values()),
        "invoices_differing": _differing(live_invoices, rebuilt_invoices),
        "credit_differing": ledger.credit_matches_ledger(),
    }


def rebuild_invoices(env: dict) -> int:
    """``python -m services.invoices.operations rebuild``, in this process, on the platform's
    settings (config.yml with the drill's environment)."""
    from services.common.config import load_config
    from services.invoices.operations import rebuild

    saved = dict(os.environ)
    os.environ.update({key: value for key, value in env.items() if key.isupper()})
    try:
        config = load_config(CONFIG)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return rebuild(config)


def _differing(live: Counter, rebuilt: Counter) -> int:
    return sum(((live - rebuilt) + (rebuilt - live)).values())


def queue_depths(rabbit) -> dict[str, tuple[int, int]]:
    """(ready, unacknowledged) of every queue, from the first node that answers."""
    for node in rabbit.nodes:
        try:
            rows = node.queues("messages_ready", "messages_unacknowledged")
            return {row[0]: (int(row[1]), int(row[2])) for row in rows if len(row) >= 3}
        except Exception:  # noqa: BLE001 (a node that is down: ask the next)
            continue
    return {}


def is_dead_letter(name: str) -> bool:
    return any(mark in name for mark in ("dead", "dlq", "dlx", "parked"))


def settle(ledger: Ledger, rabbit, client, timeout: float = 180) -> dict:
    """Wait until every service queue is empty and every projection has caught up.

    An entry whose ``entries_committed`` event was never published (the broker went away
    between the ledger's commit and the dispatch) reaches the bills and invoices projections by
    their own healing (a command on the stream, the sweep); the credit service reads what it
    missed when it is next asked for a score, or with the next event. With the load held,
    the drill asks it once, and reports that it had to (``credit_healed_on_read``)."""
    started, quiet_since, healed = time.monotonic(), None, False
    while True:
        depths = queue_depths(rabbit)
        busy = {
            name: depth
            for name, depth in depths.items()
            if not is_dead_letter(name) and not name.startswith("rpc.reply") and sum(depth)
        }
        caught = ledger.caught_up()
        if not busy and not caught["credit"] and time.monotonic() - started > 5 and not healed:
            with contextlib.suppress(Exception):
                client.call("credit", "get_score", "operator", timeout=60, attempts=2)
            healed = True
            continue
        if not busy and all(caught.values()):
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= 2:
                dead = {n: d[0] for n, d in depths.items() if is_dead_letter(n) and d[0]}
                return {
                    "settled_in_s": round(time.monotonic() - started, 1),
                    "credit_healed_on_read": healed,
                    "dead_lettered": dead,
                }
        else:
            quiet_since = None
        if time.monotonic() - started > timeout:
            return {
                "settled_in_s": None,
                "credit_healed_on_read": healed,
                "still_busy": {n: list(d) for n, d in busy.items()},
                "caught_up": caught,
                "dead_lettered": {n: d[0] for n, d in depths.items() if is_dead_letter(n)},
            }
        time.sleep(0.5)
