"""Operator tasks for the credit service: migrations, and training a model."""

from __future__ import annotations

from pathlib import Path

from services.common.migrate import upgrade

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def migrate(config: dict) -> None:
    """Create or upgrade the ``credit`` schema in ``DATABASE_URL``."""
    upgrade(MIGRATIONS, config["DATABASE_URL"], "credit")
