"""Ledger tables, append-only by trigger and by privilege.

Revision ID: 0001
Revises:
"""

from alembic import op

from services.ledger.tables import APPEND_ONLY_TABLES, SCHEMA, metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APP_ROLE = "billchain_ledger_app"


def upgrade():
    bind = op.get_bind()
    metadata.create_all(bind)
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION {SCHEMA}.refuse_change() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'ledger table %.% is append-only: % refused',
                TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$ LANGUAGE plpgsql
        """
    )
    # A role the services log in as in production: it may read and append, nothing else.
    op.execute(
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} NOLOGIN;
            END IF;
        END $$
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA {SCHEMA} TO {APP_ROLE}")
    for table in APPEND_ONLY_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {SCHEMA}.{table} "
            f"FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {SCHEMA}.{table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.refuse_change()"
        )
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {SCHEMA}.{table} FROM PUBLIC")
        op.execute(f"GRANT SELECT, INSERT ON {SCHEMA}.{table} TO {APP_ROLE}")
    for table in ("parties", "party_keys"):
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {SCHEMA}.{table} TO {APP_ROLE}")


def downgrade():
    raise RuntimeError("the ledger is append-only; its tables are never dropped by migration")
