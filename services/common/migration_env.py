"""The shared body of every service's alembic ``env.py``: its own schema, its own version table."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text


def run_migrations(schema: str) -> None:
    config = context.config
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        connection.commit()
        context.configure(
            connection=connection,
            version_table_schema=schema,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
