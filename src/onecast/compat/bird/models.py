"""What a Bird client sent that the core message has no place for (receiver, body, reference,
tags, schedule), keyed by the core message id, so reads answer in Bird's shape."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.db import Base, JSONDoc, UTCDateTime


class BirdMessage(Base):
    __tablename__ = "compat_bird_messages"
    message_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    space_id: Mapped[str] = mapped_column(String(36), index=True)
    channel_id: Mapped[str] = mapped_column(String(100))
    reference: Mapped[str | None] = mapped_column(String(255), nullable=True)
    tags: Mapped[list] = mapped_column(JSONDoc, default=list)
    receiver: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    body: Mapped[dict | None] = mapped_column(JSONDoc, nullable=True)
    template: Mapped[dict | None] = mapped_column(JSONDoc, nullable=True)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
