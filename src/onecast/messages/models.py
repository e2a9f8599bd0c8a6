from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, JSONDoc, UTCDateTime


class Message(Base):
    """An outbound or inbound message; `request` keeps what the client sent, echoed on reads."""

    __tablename__ = "messages"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    space_id: Mapped[str] = mapped_column(ForeignKey("api_spaces.id"))
    direction: Mapped[str] = mapped_column(String(10), default="outbound")
    profile_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    request: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    # Ordered delivery plan: [{"channel": "sms", "type": "sms", "address": "...", "provider": ...}]
    plan: Mapped[list] = mapped_column(JSONDoc, default=list)
    plan_index: Mapped[int] = mapped_column(Integer, default=0)
    # Rendered content (merge fields applied) as handed to providers.
    content: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    status_details: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    channel: Mapped[str | None] = mapped_column(String(100), nullable=True)
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    segment_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    provider_message_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    conversation_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    redacted: Mapped[bool] = mapped_column(default=False)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    deleted_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_messages_space_profile_created", "space_id", "profile_id", "created_on"),
        # A vendor's id names one message per channel and direction: look-ups by it are scoped to
        # the channel, and an inbound message the vendor sends again is found instead of stored twice.
        Index(
            "uq_messages_channel_provider_id", "space_id", "channel", "direction", "provider_message_id", unique=True
        ),
    )


class MessageStatusEvent(Base):
    """Every status a message went through, in order."""

    __tablename__ = "message_status_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str | None] = mapped_column(String(100), nullable=True)
    details: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
