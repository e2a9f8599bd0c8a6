from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, UTCDateTime


class RetentionPolicy(Base):
    """No row, or a null period: kept for ever."""

    __tablename__ = "space_retention"
    space_id: Mapped[str] = mapped_column(ForeignKey("api_spaces.id"), primary_key=True)
    messages_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    events_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    mode: Mapped[str] = mapped_column(String(10), default="delete")  # delete | anonymise
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_run_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
