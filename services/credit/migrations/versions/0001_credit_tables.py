"""The credit projection tables (schema ``credit``) and the cursor's first row.

Revision ID: 0001
Revises:
"""

from alembic import op
from sqlalchemy import insert

from services.credit.tables import cursor, metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    metadata.create_all(op.get_bind())
    op.get_bind().execute(insert(cursor).values(id=1, next_sequence=0, last_ledger_time=None))


def downgrade():
    # A projection: the ledger replays it.
    metadata.drop_all(op.get_bind())
