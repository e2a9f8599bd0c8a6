from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, JSONDoc, UTCDateTime


class SandboxDelivery(Base):
    """What the sandbox provider 'sent': readable through the API like a device's inbox."""

    __tablename__ = "sandbox_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    space_id: Mapped[str] = mapped_column(ForeignKey("api_spaces.id"))
    message_id: Mapped[str] = mapped_column(String(36))
    channel: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(320))
    payload: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_sandbox_deliveries_space_address", "space_id", "address"),
        # A re-delivery after a worker crash must not 'send' twice.
        UniqueConstraint("message_id", "channel", name="uq_sandbox_deliveries_message_channel"),
    )


class SandboxSettings(Base):
    """How the simulator answers in one space."""

    __tablename__ = "sandbox_settings"
    space_id: Mapped[str] = mapped_column(ForeignKey("api_spaces.id"), primary_key=True)
    settings: Mapped[dict] = mapped_column(JSONDoc, default=dict)
