from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, JSONDoc, UTCDateTime


class InboundRule(Base):
    """A keyword rule on inbound messages (`kind` keyword) or an opt-out keyword set (`kind` optout)."""

    __tablename__ = "inbound_rules"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    space_id: Mapped[str] = mapped_column(ForeignKey("api_spaces.id"))
    kind: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(100))
    inbound: Mapped[str] = mapped_column(String(320), default="*")
    keyword: Mapped[str] = mapped_column(String(2000))
    action: Mapped[str] = mapped_column(String(40))
    action_data: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    locale: Mapped[str | None] = mapped_column(String(35), nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100), default="")

    __table_args__ = (Index("ix_inbound_rules_space_kind_created", "space_id", "kind", "created_on"),)


class OptInChange(Base):
    """Audit trail of opt-in changes made by inbound keywords (STOP, START...)."""

    __tablename__ = "optin_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    space_id: Mapped[str] = mapped_column(ForeignKey("api_spaces.id"))
    profile_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    address: Mapped[str] = mapped_column(String(320), default="")
    channels: Mapped[list] = mapped_column(JSONDoc, default=list)
    opted_in: Mapped[bool] = mapped_column(Boolean)
    keyword: Mapped[str] = mapped_column(String(200))
    rule_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    message_id: Mapped[str] = mapped_column(String(36))
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_optin_changes_space_profile", "space_id", "profile_id", "id"),)
