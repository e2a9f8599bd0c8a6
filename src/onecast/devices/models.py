from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, JSONDoc, UTCDateTime


class PushDevice(Base):
    """A device registered on a profile for native push: `platform` names the service (fcm, apns,
    webPush), `token` is what that service addresses (FCM registration id, APNs device token,
    Web Push endpoint URL), `app` the FCM package or APNs bundle id."""

    __tablename__ = "push_devices"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    space_id: Mapped[str] = mapped_column(ForeignKey("api_spaces.id"))
    profile_id: Mapped[str] = mapped_column(String(255))
    device_id: Mapped[str] = mapped_column(String(255))
    platform: Mapped[str] = mapped_column(String(20))
    token: Mapped[str] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(String(64))
    app: Mapped[str | None] = mapped_column(String(255), nullable=True)
    environment: Mapped[str | None] = mapped_column(String(20), nullable=True)
    keys: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    info: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")

    __table_args__ = (
        UniqueConstraint("space_id", "profile_id", "device_id", name="uq_push_devices_profile_device"),
        Index("ix_push_devices_space_token", "space_id", "platform", "token_hash"),
    )
