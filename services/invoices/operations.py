"""Operator tasks of the invoices service: migrate its schema, rebuild its projection.

    python -m services.invoices.operations migrate
    python -m services.invoices.operations rebuild

``rebuild`` empties the projection and replays the ledger's ``invoice:``, ``trade:``,
``consent:`` and ``financing:`` entries in global sequence order, in one transaction (TRUNCATE
locks the tables: submits wait meanwhile, readers see the old rows until commit). Events still
waiting in the outbox are sent by the running service; the replay sends none.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.common.config import load_config
from services.common.errors import CommandRejected
from services.common.migrate import upgrade
from services.common.projection import paging
from services.common.projection.applying import rebuild as replay_into
from services.common.projection.entry import LedgerEntry
from services.common.serialization import NAMEKO_SERIALIZER_CONFIG
from services.invoices import credit_limits
from services.invoices import tables as models
from services.invoices.projection.applying import InvoicesApplier, Lookups, no_credit_limit
from services.invoices.projection.streams import PREFIXES

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def migrate(config: dict) -> None:
    upgrade(MIGRATIONS, config["DATABASE_URL"], "invoices")


@contextmanager
def cluster_proxy(config: dict):
    from nameko.standalone.rpc import ClusterRpcProxy

    with ClusterRpcProxy({**NAMEKO_SERIALIZER_CONFIG, **config}, timeout=60) as rpc:
        yield rpc


def party_lookups(ledger, credit_limit_at=no_credit_limit) -> Lookups:
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

    return Lookups(
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


def ledger_order(read_entries: Callable[..., list[dict]]) -> Iterator[LedgerEntry]:
    """The ledger's entries on invoices streams in global sequence order."""
    return paging.merged(read_entries, PREFIXES)


def replay(session, lookups: Lookups, entries: Iterable[LedgerEntry]) -> int:
    """Empty the projection and apply ``entries`` (global order) again; return how many."""
    applier = InvoicesApplier(lookups)
    return replay_into(session, models.TRACKING, applier, models.PROJECTION_TABLES, entries)


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
