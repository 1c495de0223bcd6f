"""The projection kit's tracking tables: ``processed`` becomes ``positions``, ``entries``
becomes ``processed_entries`` (without ``package_no``, which its stream names).

0001 creates the tables as ``tables.py`` declares them, so a database created since has them
already; one created before has the old names, renamed here.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None
SCHEMA = "bills"


def upgrade():
    if not sa.inspect(op.get_bind()).has_table("entries", schema=SCHEMA):
        return
    op.rename_table("processed", "positions", schema=SCHEMA)
    op.rename_table("entries", "processed_entries", schema=SCHEMA)
    op.drop_column("processed_entries", "package_no", schema=SCHEMA)


def downgrade():
    op.add_column("processed_entries", sa.Column("package_no", sa.Text), schema=SCHEMA)
    op.execute(f"UPDATE {SCHEMA}.processed_entries SET package_no = substr(stream, 6)")
    op.rename_table("processed_entries", "entries", schema=SCHEMA)
    op.rename_table("positions", "processed", schema=SCHEMA)
