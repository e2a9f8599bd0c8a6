"""App users: the API space's JWT auth config, login challenges and SDK sessions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, JSONDoc, UTCDateTime
from onecast.kit.secrets import EncryptedText


class SpaceAuthConfig(Base):
    """How the space's own backend signs app-user JWTs (issuer, audience, shared secret, id claim),
    plus the secret Onecast signs its session and anonymous tokens with."""

    __tablename__ = "app_auth_configs"
    space_id: Mapped[str] = mapped_column(ForeignKey("api_spaces.id"), primary_key=True)
    issuer: Mapped[str | None] = mapped_column(String(500), nullable=True)
    audience: Mapped[str | None] = mapped_column(String(500), nullable=True)
    shared_secret: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)  # encrypted at rest
    id_claim: Mapped[str] = mapped_column(String(100), default="sub")
    session_secret: Mapped[str] = mapped_column(String(100))
    revision: Mapped[int] = mapped_column(default=1)
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuthChallenge(Base):
    """A nonce handed out by GET /sessions/start; a session may be started with it once."""

    __tablename__ = "app_auth_challenges"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    space_id: Mapped[str] = mapped_column(String(36), index=True)
    nonce: Mapped[str] = mapped_column(String(100))
    expires_on: Mapped[datetime] = mapped_column(UTCDateTime)
    used_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AppSession(Base):
    __tablename__ = "app_sessions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    space_id: Mapped[str] = mapped_column(String(36))
    profile_id: Mapped[str] = mapped_column(String(255))
    device_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    platform: Mapped[str | None] = mapped_column(String(50), nullable=True)
    platform_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    sdk_type: Mapped[str | None] = mapped_column(String(50), nullable=True)
    sdk_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    source_ip: Mapped[str | None] = mapped_column(String(100), nullable=True)
    provider: Mapped[str] = mapped_column(String(50), default="jsonWebToken")
    nonce: Mapped[str | None] = mapped_column(String(100), nullable=True)
    push: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    # The API key a console agent's session was minted for: revoking the key ends the session.
    key_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_on: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    # The second: ending a console agent's sessions in every space (console.session_store).
    __table_args__ = (Index("ix_app_sessions_space_profile", "space_id", "profile_id"),
                      Index("ix_app_sessions_profile_provider", "profile_id", "provider"))
