"""templates, short links, content

Revision ID: 0007_templates
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import onecast.kit.db

revision = "0007_templates"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "templates",
        sa.Column("space_id", sa.String(length=36), nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("document", onecast.kit.db.JSONDoc, nullable=False),
        sa.Column("variables", onecast.kit.db.JSONDoc, nullable=False),
        sa.Column("missing_variables", sa.String(length=10), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_on", onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_on", onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("deleted_on", onecast.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["space_id"], ["api_spaces.id"], name=op.f("fk_templates_space_id_api_spaces")),
        sa.PrimaryKeyConstraint("space_id", "id", name=op.f("pk_templates")),
    )
    op.create_table(
        "template_approvals",
        sa.Column("space_id", sa.String(length=36), nullable=False),
        sa.Column("template_id", sa.String(length=100), nullable=False),
        sa.Column("channel_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("provider_template_id", sa.String(length=255), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("updated_on", onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["space_id", "template_id"], ["templates.space_id", "templates.id"],
                                name=op.f("fk_template_approvals_space_id_templates"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("space_id", "template_id", "channel_id", name=op.f("pk_template_approvals")),
    )
    op.create_table(
        "short_links",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("space_id", sa.String(length=36), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=True),
        sa.Column("channel", sa.String(length=100), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("created_on", onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("first_click_on", onecast.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_click_on", onecast.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_short_links")),
    )
    op.create_index("ix_short_links_space_message", "short_links", ["space_id", "message_id"], unique=False)
    op.create_table(
        "content_files",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("space_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("folder", sa.String(length=255), nullable=True),
        sa.Column("channel", sa.String(length=100), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("access_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("max_bytes", sa.Integer(), nullable=False),
        sa.Column("upload_token_hash", sa.String(length=64), nullable=True),
        sa.Column("upload_expires_on", onecast.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_on", onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_on", onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_files")),
        sa.UniqueConstraint("access_key", name=op.f("uq_content_files_access_key")),
    )
    op.create_index("ix_content_files_space_created", "content_files", ["space_id", "created_on"], unique=False)
    op.create_table(
        "content_settings",
        sa.Column("space_id", sa.String(length=36), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("updated_on", onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("space_id", name=op.f("pk_content_settings")),
    )


def downgrade() -> None:
    op.drop_table("content_settings")
    op.drop_index("ix_content_files_space_created", table_name="content_files")
    op.drop_table("content_files")
    op.drop_index("ix_short_links_space_message", table_name="short_links")
    op.drop_table("short_links")
    op.drop_table("template_approvals")
    op.drop_table("templates")
