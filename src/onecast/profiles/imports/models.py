from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from onecast.kit.clock import utcnow
from onecast.kit.db import Base, JSONDoc, UTCDateTime


class ProfileImport(Base):
    __tablename__ = "profile_imports"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    space_id: Mapped[str] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(20))  # created uploaded running completed failed
    format: Mapped[str] = mapped_column(String(10))  # csv | json
    mode: Mapped[str] = mapped_column(String(10))  # upsert | create
    id_field: Mapped[str] = mapped_column(String(255), default="id")
    name: Mapped[str] = mapped_column(String(200), default="")
    counts: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ProfileImportRow(Base):
    """One record of the uploaded file. status: pending, created, updated, skipped, failed."""

    __tablename__ = "profile_import_rows"
    __table_args__ = (Index("ix_profile_import_rows_job_status", "import_id", "status", "line"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    import_id: Mapped[str] = mapped_column(String(36))
    line: Mapped[int] = mapped_column(Integer)
    profile_id: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    data: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    status: Mapped[str] = mapped_column(String(10))
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
