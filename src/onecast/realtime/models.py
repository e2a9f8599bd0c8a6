"""What the realtime layer keeps in the database: live sockets (for presence across processes)
and notices too large for a PostgreSQL NOTIFY payload."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, JSONDoc, UTCDateTime


class SocketConnection(Base):
    __tablename__ = "realtime_sockets"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    space_id: Mapped[str] = mapped_column(String(36))
    profile_id: Mapped[str] = mapped_column(String(255))
    connected_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_realtime_sockets_profile", "space_id", "profile_id"),)


class LargeNotice(Base):
    __tablename__ = "realtime_large_notices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    body: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
