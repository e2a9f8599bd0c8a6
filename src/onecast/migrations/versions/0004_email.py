"""email: the Email2SMS adaptor per space

Revision ID: 0004_email
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import onecast.kit.db

revision = "0004_email"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "email2sms_adaptors",
        sa.Column("space_id", sa.String(length=36), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("settings", onecast.kit.db.JSONDoc, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_on", onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_on", onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["space_id"], ["api_spaces.id"],
                                name=op.f("fk_email2sms_adaptors_space_id_api_spaces")),
        sa.PrimaryKeyConstraint("space_id", name=op.f("pk_email2sms_adaptors")),
        sa.UniqueConstraint("domain", name=op.f("uq_email2sms_adaptors_domain")),
    )


def downgrade() -> None:
    op.drop_table("email2sms_adaptors")
