from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.db import Base, UTCDateTime


class WhatsAppSession(Base):
    """When a WhatsApp user last wrote to a business number: the 24-hour customer service
    window runs from that time."""

    __tablename__ = "whatsapp_sessions"
    space_id: Mapped[str] = mapped_column(ForeignKey("api_spaces.id"), primary_key=True)
    phone_number_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    wa_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_inbound_on: Mapped[datetime] = mapped_column(UTCDateTime)
