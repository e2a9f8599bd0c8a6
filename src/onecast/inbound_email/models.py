from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, JSONDoc, UTCDateTime


class Email2SmsAdaptor(Base):
    """A space's Email2SMS adaptor: mail to <number>@<domain> is sent on as an SMS. A domain
    belongs to one space, so no tenant can read or send another's mail."""

    __tablename__ = "email2sms_adaptors"
    space_id: Mapped[str] = mapped_column(ForeignKey("api_spaces.id"), primary_key=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    settings: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    revision: Mapped[int] = mapped_column(default=1)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
