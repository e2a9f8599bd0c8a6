from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, UTCDateTime


class ContentFile(Base):
    """An uploaded file. `access_key` makes its public media URL unguessable; a presigned upload
    is `pending` until its file arrives."""

    __tablename__ = "content_files"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    space_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(255), default="")
    type: Mapped[str] = mapped_column(String(255))
    folder: Mapped[str | None] = mapped_column(String(255), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(100), nullable=True)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    storage_key: Mapped[str] = mapped_column(String(300))
    access_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="stored")
    max_bytes: Mapped[int] = mapped_column(Integer, default=0)
    upload_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    upload_expires_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100), default="")

    __table_args__ = (Index("ix_content_files_space_created", "space_id", "created_on"),)


class ContentSettings(Base):
    """Per-space media retention; spaces without a row keep files ONECAST_CONTENT_RETENTION_DAYS."""

    __tablename__ = "content_settings"
    space_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    retention_days: Mapped[int] = mapped_column(Integer)
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
