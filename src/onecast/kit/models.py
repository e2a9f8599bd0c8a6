"""Tables the kit itself owns: idempotency records and the event log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, JSONDoc, UTCDateTime
from onecast.kit.secrets import EncryptedText


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"
    # Whose key: the authenticated principal, `account:space:credential` (kit.idempotency).
    scope: Mapped[str] = mapped_column(String(255), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    headers: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    # Encrypted: an answer can hold a secret shown once (a new API key, a webhook secret).
    body: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Event(Base):
    """Every platform event, written in the transaction that caused it (the webhook source)."""

    __tablename__ = "events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    space_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(100))
    entity_id: Mapped[str] = mapped_column(String(255))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    payload: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_events_space_seq", "space_id", "seq"),)
