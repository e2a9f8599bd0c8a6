from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, JSONDoc, UTCDateTime


class SmppPart(Base):
    """One submitted part of a message and the id the SMSC gave it, so receipts find the message.
    `status` is the part's receipt outcome (delivered / failed / expired) once it came."""

    __tablename__ = "smpp_parts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel_ref: Mapped[str] = mapped_column(String(36))  # channels.id
    space_id: Mapped[str] = mapped_column(String(36))
    message_id: Mapped[str] = mapped_column(String(36), index=True)
    smsc_id: Mapped[str] = mapped_column(String(65))  # receipts.normalise_id of the submit_sm_resp id
    part: Mapped[int] = mapped_column(Integer)
    parts: Mapped[int] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    stat: Mapped[str | None] = mapped_column(String(10), nullable=True)
    error: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_smpp_parts_channel_smsc", "channel_ref", "smsc_id"),)


class SmppPendingReceipt(Base):
    """A receipt whose submission is not known yet (it came before submit_sm_resp, or from
    another process's bind): kept until the submission is recorded."""

    __tablename__ = "smpp_pending_receipts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel_ref: Mapped[str] = mapped_column(String(36))
    smsc_id: Mapped[str] = mapped_column(String(65))
    status: Mapped[str] = mapped_column(String(20))
    stat: Mapped[str] = mapped_column(String(10))
    error: Mapped[str | None] = mapped_column(String(40), nullable=True)
    details: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    received_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_smpp_pending_receipts_channel_smsc", "channel_ref", "smsc_id"),)
