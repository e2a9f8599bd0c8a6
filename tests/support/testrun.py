"""What one test process (the whole run, or one pytest-xdist worker) holds for itself, and gives
back when it ends: a directory for every temporary file it and the servers it starts make, and
on PostgreSQL a database of its own next to ONECAST_TEST_DATABASE_URL (workers run side by side,
so each needs its own rows, as each has its own SQLite file)."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# Test directories whose tests share one server process (a package- or module-scoped fixture):
# `make test` runs each on a single worker, so the server starts once, not once per worker.
SHARED_SERVER_DIRECTORIES = {"tests/console": "console-server"}


def run_sql(url: str, sql: str) -> None:
    """One statement on PostgreSQL, from sync code; works while an event loop runs in this thread
    (a fixture set up for an async test), as asyncio.run() alone would not."""

    async def execute() -> None:
        import asyncpg

        conn = await asyncpg.connect(url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, execute()).result()


@dataclass
class RunResources:
    tmp: Path
    admin_url: str | None = None  # set when this process created `database`
    database: str | None = None

    @classmethod
    def start(cls, worker: str | None) -> RunResources:
        tmp = Path(tempfile.mkdtemp(prefix=f"onecast-run-{worker or 'main'}-"))
        tempfile.tempdir = str(tmp)  # mkdtemp() and the like in this process
        os.environ["TMPDIR"] = str(tmp)  # and in the processes it starts
        url = os.environ.get("ONECAST_TEST_DATABASE_URL", "")
        if not (worker and url.startswith(("postgresql://", "postgres://"))):
            return cls(tmp)
        parts = urlsplit(url)
        name = f"{parts.path.lstrip('/')}_{worker}"
        admin = urlunsplit(parts._replace(path="/postgres"))
        run_sql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # left by a killed run
        run_sql(admin, f'CREATE DATABASE "{name}"')
        os.environ["ONECAST_TEST_DATABASE_URL"] = urlunsplit(parts._replace(path="/" + name))
        return cls(tmp, admin, name)

    def finish(self) -> None:
        if self.admin_url and self.database:
            run_sql(self.admin_url, f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        shutil.rmtree(self.tmp, ignore_errors=True)
