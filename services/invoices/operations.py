"""Operator tasks of the invoices service: migrate its schema, rebuild its projection.

    python -m services.invoices.operations migrate
    python -m services.invoices.operations rebuild

``rebuild`` empties the projection and replays the ledger's ``invoice:``, ``trade:``,
``consent:`` and ``financing:`` entries in global sequence order, in one transaction under the
projection's exclusive lock (submits wait meanwhile; readers see the old rows until commit).
"""

from __future__ import annotations

import argparse
import heapq
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from services.common.config import load_config
from services.common.errors import CommandRejected
from services.common.migrate import upgrade
from services.common.serialization import NAMEKO_SERIALIZER_CONFIG
from services.invoices import credit_limits, projection
from services.invoices import tables as models

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def migrate(config: dict) -> None:
    upgrade(MIGRATIONS, config["DATABASE_URL"], "invoices")


@contextmanager
def cluster_proxy(config: dict):
    from nameko.standalone.rpc import ClusterRpcProxy

    with ClusterRpcProxy({**NAMEKO_SERIALIZER_CONFIG, **config}, timeout=60) as rpc:
        yield rpc


def party_lookups(ledger, credit_limit_at=projection.no_credit_limit) -> projection.Lookups:
    parties: dict[str, dict | None] = {}

    def party(party_id: str) -> dict | None:
        if party_id not in parties:
            try:
                parties[party_id] = ledger.get_party(party_id)
            except CommandRejected as exc:
                if exc.code != "PARTY_UNKNOWN":
                    raise
                parties[party_id] = None
        return parties[party_id]

    return projection.Lookups(
        lambda party_id: (party(party_id) or {}).get("kind"),
        lambda party_id: (party(party_id) or {}).get("credit_code"),
        credit_limit_at,
    )


def rebuild(config: dict) -> int:
    """Rebuild the projection from the ledger; return how many entries were replayed."""
    engine = create_engine(config["DATABASE_URL"])
    try:
        with cluster_proxy(config) as rpc, Session(engine) as session, session.begin():
            records = ledger_order(rpc.ledger.read_entries)
            lookups = party_lookups(rpc.ledger, credit_limits.limit_lookup(config, rpc.credit))
            return replay(session, lookups, records)
    finally:
        engine.dispose()


def ledger_order(read_entries: Callable[..., list[dict]], page: int = 1000) -> Iterator[dict]:
    """The ledger's entries on invoices streams in global sequence order: one paged read per
    stream prefix, merged."""
    reads = (paged(read_entries, prefix, page=page) for prefix in projection.PREFIXES)
    return heapq.merge(*reads, key=lambda record: record["sequence"])


def paged(read_entries, prefix: str, after: int = -1, page: int = 1000) -> Iterator[dict]:
    """Every ledger record on streams starting with ``prefix`` after sequence ``after``."""
    while True:
        records = read_entries(after, page, prefix)
        yield from records
        if len(records) < page:
            return
        after = records[-1]["sequence"]


def replay(session, lookups: projection.Lookups, records: Iterable[dict]) -> int:
    """Empty the projection and apply ``records`` (global order) again; return how many."""
    replayer = projection.Projection(session, lookups)
    replayer.lock_all()
    names = ", ".join(f'{models.SCHEMA}."{table.name}"' for table in models.PROJECTION_TABLES)
    session.execute(text(f"TRUNCATE {names}"))
    count = 0
    for record in records:
        entry = projection.Entry.from_record(record)
        if projection.kind_of(entry.stream):
            replayer.apply(entry)
            count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.invoices.operations")
    parser.add_argument("task", choices=["migrate", "rebuild"])
    parser.add_argument("--config", help="config file (default: config.yml)")
    arguments = parser.parse_args(argv)
    config = load_config(arguments.config)
    if arguments.task == "migrate":
        migrate(config)
        print("invoices schema migrated")
    else:
        print(f"invoices projection rebuilt from {rebuild(config)} ledger entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
