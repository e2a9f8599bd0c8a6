from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, JSONDoc, UTCDateTime


class Template(Base):
    """A stored message template: Liquid text in `document` (messageParts, title, per-channel
    bodies, WhatsApp/HSM fields), the variables it reads, and audit fields."""

    __tablename__ = "templates"
    space_id: Mapped[str] = mapped_column(ForeignKey("api_spaces.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    document: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    variables: Mapped[list] = mapped_column(JSONDoc, default=list)
    missing_variables: Mapped[str] = mapped_column(String(10), default="empty")
    revision: Mapped[int] = mapped_column(default=1)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    deleted_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TemplateApproval(Base):
    """A provider's approval of a template on one channel (WhatsApp HSM): `templateId` is the
    provider's own id for it (reference seed 003 `ApprovedChannels`)."""

    __tablename__ = "template_approvals"
    space_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    template_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    provider_template_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (ForeignKeyConstraint(["space_id", "template_id"], ["templates.space_id", "templates.id"],
                                           ondelete="CASCADE"),)
