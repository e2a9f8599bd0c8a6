from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, UTCDateTime


class ConsoleUser(Base):
    """An operator of this installation: sees every API space in the console."""

    __tablename__ = "console_users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, with its own salt and parameters
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
