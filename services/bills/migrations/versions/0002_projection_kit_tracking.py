"""Bills' tracking as the projection kit keeps it: ``processed`` is renamed ``positions`` and
``entries`` ``processed_entries``, whose ``package_no`` goes (the stream names the bill).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from services.common.projection.migrations import predates_the_kit

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None
SCHEMA = "bills"


def upgrade():
    if predates_the_kit(SCHEMA, "entries"):
        op.rename_table("processed", "positions", schema=SCHEMA)
        op.rename_table("entries", "processed_entries", schema=SCHEMA)
        op.drop_column("processed_entries", "package_no", schema=SCHEMA)


def downgrade():
    op.add_column("processed_entries", sa.Column("package_no", sa.Text), schema=SCHEMA)
    op.execute(f"UPDATE {SCHEMA}.processed_entries SET package_no = substr(stream, 6)")
    op.rename_table("processed_entries", "entries", schema=SCHEMA)
    op.rename_table("positions", "processed", schema=SCHEMA)
