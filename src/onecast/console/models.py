from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, UTCDateTime
from onecast.kit.secrets import EncryptedJSON


class ConsoleUser(Base):
    """An operator of this installation: sees every API space in the console."""

    __tablename__ = "console_users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, with its own salt and parameters
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # set: cannot log in


class ConsoleSession(Base):
    """A console login. The cookie holds a random token; only its SHA-256 is stored, so a copy of
    the table opens nothing. Deleting the row ends the login everywhere at once."""

    __tablename__ = "console_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie's token
    user_id: Mapped[str | None] = mapped_column(ForeignKey("console_users.id", ondelete="CASCADE"), nullable=True,
                                                index=True)
    key_id: Mapped[str | None] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_on: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The notice or error of the last form, shown once by the next page: kept here, not in the URL,
    # so a reload does not show it again and a crafted link cannot put text in the banner. Encrypted:
    # it may hold a new API key until that page is shown.
    flash: Mapped[dict | None] = mapped_column(EncryptedJSON, nullable=True)


class ConsoleLoginFailures(Base):
    """Failed console logins of one user name or one client address, shared by every API process
    (the login throttle). `failures` counts attempts in progress too: see console.login_throttle."""

    __tablename__ = "console_login_failures"
    scope: Mapped[str] = mapped_column(String(10), primary_key=True)  # "user" or "address"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
