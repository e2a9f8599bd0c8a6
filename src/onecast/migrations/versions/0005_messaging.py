"""WhatsApp customer service windows

Revision ID: 0005_messaging
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import onecast.kit.db

revision = "0005_messaging"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "whatsapp_sessions",
        sa.Column("space_id", sa.String(length=36), nullable=False),
        sa.Column("phone_number_id", sa.String(length=64), nullable=False),
        sa.Column("wa_id", sa.String(length=32), nullable=False),
        sa.Column("last_inbound_on", onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["space_id"], ["api_spaces.id"], name=op.f("fk_whatsapp_sessions_space_id_api_spaces")),
        sa.PrimaryKeyConstraint("space_id", "phone_number_id", "wa_id", name=op.f("pk_whatsapp_sessions")),
    )


def downgrade() -> None:
    op.drop_table("whatsapp_sessions")
