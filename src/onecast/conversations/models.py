"""Conversations: an immutable per-conversation event stream; messages are its projection."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, JSONDoc, UTCDateTime


class Conversation(Base):
    __tablename__ = "conversations"
    space_id: Mapped[str] = mapped_column(ForeignKey("api_spaces.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    roles: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    message_scope: Mapped[str] = mapped_column(String(10), default="p2p")
    # The id the next stream event gets; bumped under the row lock, so ids have no gaps.
    next_event_id: Mapped[int] = mapped_column(Integer, default=0)
    latest_sent_event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    revision: Mapped[int] = mapped_column(default=1)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(300), default="")
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(300), default="")
    deleted_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ConversationParticipant(Base):
    __tablename__ = "conversation_participants"
    space_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    profile_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), default="participant")
    added_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_conversation_participants_profile", "space_id", "profile_id"),)


class ConversationEvent(Base):
    """One entry of a conversation's stream: conversationMessage.sent / .delivered / .read."""

    __tablename__ = "conversation_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    space_id: Mapped[str] = mapped_column(String(36))
    conversation_id: Mapped[str] = mapped_column(String(255))
    event_id: Mapped[int] = mapped_column(Integer)
    uid: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(100))
    message_id: Mapped[str] = mapped_column(String(36))
    payload: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("space_id", "conversation_id", "event_id",
                                       name="uq_conversation_events_position"),)


class ConversationMessage(Base):
    """The projection of a sent event plus the status updates that followed it."""

    __tablename__ = "conversation_messages"
    space_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(255))
    sent_event_id: Mapped[int] = mapped_column(Integer)
    from_id: Mapped[str] = mapped_column(String(255))
    from_name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    sent_by: Mapped[str] = mapped_column(String(300))
    direction: Mapped[str] = mapped_column(String(10), default="outbound")
    parts: Mapped[list] = mapped_column(JSONDoc, default=list)
    metadata_: Mapped[dict] = mapped_column("metadata", JSONDoc, default=dict)
    alert: Mapped[dict | None] = mapped_column(JSONDoc, nullable=True)
    status_updates: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    sent_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_conversation_messages_position", "space_id", "conversation_id", "sent_event_id"),)
