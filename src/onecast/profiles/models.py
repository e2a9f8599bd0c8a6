from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, JSONDoc, UTCDateTime


class Profile(Base):
    """A schemaless profile document; system fields live in columns, user fields in `data`."""

    __tablename__ = "profiles"
    space_id: Mapped[str] = mapped_column(ForeignKey("api_spaces.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    data: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    opt_ins: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    primary_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    revision: Mapped[int] = mapped_column(default=1)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    deleted_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_profiles_space_primary", "space_id", "primary_id"),)
