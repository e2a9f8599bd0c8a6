"""Alembic environment: one schema for SQLite and PostgreSQL, run through the async engine."""
from __future__ import annotations

import asyncio

from alembic import context

from onecast.config import Settings, database_url_for
from onecast.kit.db import make_engine
from onecast.models import metadata

config = context.config


def _url() -> str:
    return database_url_for(config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


async def _online() -> None:
    engine = make_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_online())
