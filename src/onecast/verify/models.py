from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, JSONDoc, UTCDateTime


class VerifyRequest(Base):
    """One code sent to one number. Only a salted, slow hash of the code is kept."""

    __tablename__ = "verify_requests"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    space_id: Mapped[str] = mapped_column(ForeignKey("api_spaces.id"))
    phone_number: Mapped[str] = mapped_column(String(32))  # E.164
    code_salt: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str] = mapped_column(String(128))
    # pending -> verified | locked (expiry is computed from valid_until)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    message_id: Mapped[str] = mapped_column(String(36))
    # The SMS message's text fields with the code masked ({body, title, request, content}):
    # what the message row keeps once the worker has handed it over
    masked: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    # False while the SMS carrying the code may still hold it in clear (until it left the worker)
    scrubbed: Mapped[bool] = mapped_column(default=False)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    finished_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_verify_requests_space_number_created", "space_id", "phone_number", "created_on"),
        Index("ix_verify_requests_space_created", "space_id", "created_on"),
        Index("ix_verify_requests_scrubbed", "scrubbed"),
    )
