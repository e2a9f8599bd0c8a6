from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, JSONDoc, UTCDateTime
from onecast.kit.secrets import EncryptedJSON


class SpacePushCredential(Base):
    """One credential: `kind` fcm (app = package), apnsToken (app and environment empty) or
    apnsCert (app = bundle id, environment). `info` is the public metadata shown by the API;
    `secret` (keys, service account, certificate) is encrypted at rest and never returned."""

    __tablename__ = "space_push_credentials"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    space_id: Mapped[str] = mapped_column(ForeignKey("api_spaces.id"))
    kind: Mapped[str] = mapped_column(String(20))
    app: Mapped[str] = mapped_column(String(255), default="")
    environment: Mapped[str] = mapped_column(String(20), default="")
    info: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    secret: Mapped[dict] = mapped_column(EncryptedJSON)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("space_id", "kind", "app", "environment", name="uq_space_push_credentials_app"),
    )
