"""Browser key enrolments waiting for (or given) the operator's ``key.register``.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "key_enrolments",
        sa.Column("key_id", sa.String(64), primary_key=True),
        sa.Column("party_id", sa.String(64), nullable=False, index=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("public_key", sa.String(256), nullable=False),
        sa.Column("signed_at", sa.String(32), nullable=False),
        sa.Column("proof_signature", sa.String(128), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_id", sa.String(64), nullable=True),
        schema="gateway",
    )


def downgrade():
    op.drop_table("key_enrolments", schema="gateway")
