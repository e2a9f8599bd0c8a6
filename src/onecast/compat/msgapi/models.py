"""The callback (InBoundWrapper) configuration of a space: where to POST and the x-verify-token,
plus how far the dispatcher has read the space's events."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, UTCDateTime


class MsgApiWebhook(Base):
    __tablename__ = "compat_msgapi_webhooks"
    space_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    app_id: Mapped[str] = mapped_column(String(36))
    url: Mapped[str] = mapped_column(String(2048))
    verify_token: Mapped[str] = mapped_column(String(200))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
