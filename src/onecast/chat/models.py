"""Agent chat: chats over conversations, team config, agent presence."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, JSONDoc, UTCDateTime


class Chat(Base):
    __tablename__ = "chats"
    space_id: Mapped[str] = mapped_column(ForeignKey("api_spaces.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    team_id: Mapped[str] = mapped_column(String(255))
    original_team_id: Mapped[str] = mapped_column(String(255))
    channel_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default="new")
    conversation_id: Mapped[str] = mapped_column(String(255))
    profile_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    agent_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    participants: Mapped[list] = mapped_column(JSONDoc, default=list)
    revision: Mapped[int] = mapped_column(default=1)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(300), default="")
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(300), default="")
    closed_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deleted_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_chats_conversation", "space_id", "conversation_id"),)


class ChatTeam(Base):
    """A team's chat config: members, appMessaging (welcome, replyAs), settings (hours...), and
    the other channel configs (sms, fbMessenger, email) under `channels`. `is_public`: published
    for app users (the web widget, the SDK): they may open chats with it."""

    __tablename__ = "chat_teams"
    space_id: Mapped[str] = mapped_column(ForeignKey("api_spaces.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    members: Mapped[list] = mapped_column(JSONDoc, default=list)
    channels: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    settings: Mapped[dict | None] = mapped_column(JSONDoc, nullable=True)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    revision: Mapped[int] = mapped_column(default=1)
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgentPresence(Base):
    __tablename__ = "chat_agent_presence"
    space_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    profile_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    away: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
