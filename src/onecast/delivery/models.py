from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, UTCDateTime


class OutboxJob(Base):
    """A message waiting to be handed to its provider; written with the message, deleted when done.

    Claiming a job pushes `available_at` forward by the lease: a worker that dies mid-delivery
    simply lets the lease run out and the job becomes claimable again."""

    __tablename__ = "delivery_outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    space_id: Mapped[str] = mapped_column(String(36))
    message_id: Mapped[str] = mapped_column(String(36), unique=True)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_delivery_outbox_available", "available_at"),)
