"""Webhook tables: the endpoints, the outbox written beside every event, the deliveries the
outbox fans out to, and one row per HTTP attempt (kept, also for dead letters)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, JSONDoc, UTCDateTime
from onecast.kit.secrets import EncryptedJSON, EncryptedText


class Webhook(Base):
    __tablename__ = "webhooks"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    space_id: Mapped[str] = mapped_column(String(36), index=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[str] = mapped_column(EncryptedText)  # encrypted at rest (kit.secrets)
    # [{"secret": ..., "expiresOn": iso}]: still signed with during a rotation's grace period.
    previous_secrets: Mapped[list] = mapped_column(EncryptedJSON, default=list)
    subscriptions: Mapped[list] = mapped_column(JSONDoc, default=list)
    batch: Mapped[bool] = mapped_column(Boolean, default=False)
    # How events are rendered (webhooks.formats): `standard`, or a compatibility surface's format,
    # whose settings (e.g. seed 003's verify token) are `format_options`, encrypted like the secret.
    payload_format: Mapped[str] = mapped_column(String(20), default="standard", server_default="standard")
    format_options: Mapped[dict | None] = mapped_column(EncryptedJSON, nullable=True)
    max_batch_size: Mapped[int] = mapped_column(Integer, default=100)
    batch_timeout: Mapped[int] = mapped_column(Integer, default=60)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # One dispatcher at a time sends to an endpoint (its "lane"), so ordering holds across processes.
    lane_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lane_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    deleted_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebhookOutbox(Base):
    """One row per platform event, written by record_event in the event's own transaction."""

    __tablename__ = "webhook_outbox"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36))
    space_id: Mapped[str] = mapped_column(String(36))
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    """One event for one webhook: pending until delivered or dead (the dead-letter store)."""

    __tablename__ = "webhook_deliveries"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    webhook_id: Mapped[str] = mapped_column(String(36))
    space_id: Mapped[str] = mapped_column(String(36))
    event_id: Mapped[str] = mapped_column(String(36))
    event_name: Mapped[str] = mapped_column(String(100))
    entity_id: Mapped[str] = mapped_column(String(255))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_latency_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    replay: Mapped[bool] = mapped_column(Boolean, default=False)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_webhook_deliveries_due", "webhook_id", "status", "next_attempt_on"),
        Index("ix_webhook_deliveries_entity", "webhook_id", "entity_id", "status"),
    )


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(String(36), index=True)
    webhook_id: Mapped[str] = mapped_column(String(36))
    attempted_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

    # An endpoint's health (webhooks.health) reads its attempts of the last day.
    __table_args__ = (Index("ix_webhook_attempts_webhook_time", "webhook_id", "attempted_on"),)
