"""A party key's registered SM2 distinguishing ID (NULL: the default, or a P-256 key).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from services.ledger.tables import SCHEMA

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    # 0001 creates the tables from the current metadata, so a fresh database has it already.
    op.execute(f"ALTER TABLE {SCHEMA}.party_keys ADD COLUMN IF NOT EXISTS distinguishing_id TEXT")


def downgrade():
    op.execute(f"ALTER TABLE {SCHEMA}.party_keys DROP COLUMN IF EXISTS distinguishing_id")
