"""Is ONECAST_DATABASE_URL usable? One line saying what is wrong and what to do, instead of the
driver's traceback: checked by every CLI command before it touches the database."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

EXAMPLES = "sqlite:///./onecast.db or postgresql://user:password@host:5432/onecast"
CONNECT_TIMEOUT = 10.0


def url_problem(url: str) -> str | None:
    """What is wrong with the URL itself (no connection made), or None."""
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 -- a port that is not a number raises here
    except (ArgumentError, ValueError):
        return f"ONECAST_DATABASE_URL {url!r} is not a database URL: set it like {EXAMPLES}"
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql", "postgres"):
        return (
            f"ONECAST_DATABASE_URL uses {backend!r}, which Onecast does not support: "
            f"use SQLite or PostgreSQL, e.g. {EXAMPLES}"
        )
    if backend == "sqlite":
        return _sqlite_problem(parsed.database)
    return None


def _sqlite_problem(path: str | None) -> str | None:
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(folder):
        return (
            f"the folder {folder} of the SQLite database does not exist: create it (mkdir -p {folder}) "
            "or change ONECAST_DATABASE_URL"
        )
    if not os.access(folder, os.W_OK):
        return f"the folder {folder} of the SQLite database is not writable: fix its permissions or choose another"
    return None


async def _postgres_problem(url: str) -> str | None:
    import asyncpg

    parsed = make_url(url)
    host, port = parsed.host or "localhost", parsed.port or 5432
    where = f"{host}:{port}"
    dsn = url.replace("postgres://", "postgresql://", 1).replace("postgresql+asyncpg://", "postgresql://", 1)
    try:
        connection = await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT)
    except asyncpg.InvalidCatalogNameError:
        return (
            f"the PostgreSQL database {parsed.database!r} does not exist on {where}: create it "
            f"(createdb -h {host} -p {port} -U {parsed.username or 'postgres'} {parsed.database}) "
            "or change ONECAST_DATABASE_URL"
        )
    except (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError) as exc:
        return (
            f"PostgreSQL on {where} refused user {parsed.username!r} ({exc}): check the user and "
            "password in ONECAST_DATABASE_URL"
        )
    except socket.gaierror:
        return f"the PostgreSQL host {host!r} is unknown: check the host in ONECAST_DATABASE_URL"
    except (TimeoutError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        return (
            f"cannot reach PostgreSQL on {where} ({reason}): is it running, and are the host and port "
            "in ONECAST_DATABASE_URL right?"
        )
    except asyncpg.PostgresError as exc:
        return f"PostgreSQL on {where} refused the connection: {exc}"
    await connection.close()
    return None


async def _schema_problem(url: str) -> str | None:
    from onecast.config import Settings
    from onecast.kit.db import Database
    from onecast.observability.health import readiness

    settings = Settings(database_url=url)
    db = Database(settings.async_database_url, settings)
    try:
        checks: dict[str, Any] = dict((await readiness(db))["checks"])  # type: ignore[call-overload]
    finally:
        await db.dispose()
    if checks["migrations"] != "ok":
        from onecast.kit.invocation import command_name

        return f"the database's schema is not up to date: run `{command_name()} migrate` first"
    return None


def _run(check: Callable[[str], Coroutine[Any, Any, str | None]], url: str) -> str | None:
    """Some commands ask from inside their own event loop: check on a thread of its own then."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(check(url))
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, check(url)).result()


def database_problem(url: str, *, need_schema: bool) -> str | None:
    """None when the database can be used (and, with `need_schema`, is migrated)."""
    problem = url_problem(url)
    if problem is None and make_url(url).get_backend_name() != "sqlite":
        problem = _run(_postgres_problem, url)
    if problem is None and need_schema:
        problem = _run(_schema_problem, url)
    return problem
