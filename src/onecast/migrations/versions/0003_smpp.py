"""sms_smpp: submitted parts and receipts waiting for their submission

Revision ID: 0003_smpp
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import onecast.kit.db

revision = "0003_smpp"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "smpp_parts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel_ref", sa.String(length=36), nullable=False),
        sa.Column("space_id", sa.String(length=36), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("smsc_id", sa.String(length=65), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("stat", sa.String(length=10), nullable=True),
        sa.Column("error", sa.String(length=40), nullable=True),
        sa.Column("created_on", onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smpp_parts")),
    )
    with op.batch_alter_table("smpp_parts", schema=None) as batch_op:
        batch_op.create_index("ix_smpp_parts_channel_smsc", ["channel_ref", "smsc_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_smpp_parts_message_id"), ["message_id"], unique=False)
    op.create_table(
        "smpp_pending_receipts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel_ref", sa.String(length=36), nullable=False),
        sa.Column("smsc_id", sa.String(length=65), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("stat", sa.String(length=10), nullable=False),
        sa.Column("error", sa.String(length=40), nullable=True),
        sa.Column("details", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("received_on", onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smpp_pending_receipts")),
    )
    with op.batch_alter_table("smpp_pending_receipts", schema=None) as batch_op:
        batch_op.create_index("ix_smpp_pending_receipts_channel_smsc", ["channel_ref", "smsc_id"], unique=False)


def downgrade() -> None:
    op.drop_table("smpp_pending_receipts")
    op.drop_table("smpp_parts")
