"""Operator tasks for the bills service: migrations, and rebuilding the projection."""

from __future__ import annotations

from pathlib import Path

from services.common.migrate import upgrade

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def migrate(config: dict) -> None:
    """Create or upgrade the ``bills`` schema in ``DATABASE_URL``."""
    upgrade(MIGRATIONS, config["DATABASE_URL"], "bills")


def rebuild(config: dict) -> dict:
    """Ask a running bills service to replay the ledger into a fresh projection."""
    from services.ledger.operations import rpc_proxy

    with rpc_proxy(config) as rpc:
        return rpc.bills.rebuild()
