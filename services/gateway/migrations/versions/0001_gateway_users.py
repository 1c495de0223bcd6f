"""The gateway's users table (schema ``gateway``).

Revision ID: 0001
Revises:
"""

from alembic import op

from services.gateway.tables import metadata, users

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # only the table this revision introduced: later tables come with their own revisions
    metadata.create_all(op.get_bind(), tables=[users])


def downgrade():
    users.drop(op.get_bind())
