from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, JSONDoc, UTCDateTime


class Account(Base):
    """Owner of API spaces: a key may manage the spaces of its own account only."""

    __tablename__ = "accounts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiSpace(Base):
    __tablename__ = "api_spaces"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    optin_defaults: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    revision: Mapped[int] = mapped_column(default=1)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    space_id: Mapped[str] = mapped_column(ForeignKey("api_spaces.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(20))
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
