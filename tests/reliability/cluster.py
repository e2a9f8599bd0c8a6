"""Real Onecast processes for fault tests and fault benches: a fresh database (SQLite file or a
throwaway PostgreSQL database next to ONECAST_TEST_DATABASE_URL), `onecast api` and `onecast worker`
subprocesses that can be killed with SIGKILL and started again, a space made with the CLI, and
a client that retries every write with its Idempotency-Key until the API answers."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from onecast.kit.migrate import upgrade
from tests.support.processes import ServerProcess, onecast_env, start_onecast

FINAL = {"sent", "delivered", "failed", "read", "expired"}


class Database:
    """A database of its own, so the processes a test starts (and kills) never touch the rows
    of the shared test database."""

    def __init__(self, like: str | None) -> None:
        self.tmp = tempfile.mkdtemp(prefix="onecast-rel-")
        self.admin: str | None = None
        if like and like.startswith(("postgresql://", "postgres://")):
            parts = urlsplit(like)
            self.name = f"{parts.path.lstrip('/')}_rel_{uuid.uuid4().hex[:8]}"  # the run's cleanup knows the prefix
            self.admin = urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))
            self.url = urlunsplit(("postgresql", parts.netloc, "/" + self.name, parts.query, ""))
            self._psql(f'CREATE DATABASE "{self.name}"')
        else:
            self.url = f"sqlite:///{os.path.join(self.tmp, 'onecast.db')}"
        upgrade(self.url)

    @property
    def is_postgres(self) -> bool:
        return self.admin is not None

    def _psql(self, sql: str) -> None:
        subprocess.run(["psql", self.admin, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], check=True,
                       capture_output=True, timeout=60)

    def drop(self) -> None:
        if self.admin is not None:
            self._psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@dataclass
class Cluster:
    """API and worker processes on one database. Settings for every process come from `env`
    (ONECAST_* names), so tests scale retry and lease times down."""

    database: Database
    env: dict[str, str] = field(default_factory=dict)
    apis: dict[str, ServerProcess] = field(default_factory=dict)  # base URL -> process
    workers: list[ServerProcess] = field(default_factory=list)

    def _env(self) -> dict[str, str]:
        return {"ONECAST_LOG_JSON": "true", "ONECAST_WORKER_POLL_SECONDS": "0.02",
                "ONECAST_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",  # the peers are on loopback
                **self.env}

    def _start(self, command: str, *args: str, port: int | None = None) -> ServerProcess:
        return start_onecast(command, self.database.url, *args, port=port, env=self._env(),
                             log_dir=self.database.tmp, cwd=self.database.tmp)

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "onecast.cli", *args], env=onecast_env(self.database.url, **self._env()),
                              cwd=self.database.tmp, capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise AssertionError(f"onecast {' '.join(args)}: {done.stderr[-2000:]}")
        return done.stdout

    def new_space(self, name: str = "reliability") -> tuple[str, str]:
        created = json.loads(self.cli("spaces", "create", name, "--json").strip().splitlines()[-1])
        return created["apiSpaceId"], created["apiKey"]

    def start_api(self, port: int | None = None) -> str:
        server = self._start("api", port=port)
        self.apis[server.base] = server
        return server.base

    def start_serve(self, port: int | None = None) -> str:
        """`onecast serve`: API and worker in one process (the SQLite way to run)."""
        server = self._start("serve", "--no-bootstrap", port=port)
        self.apis[server.base] = server
        return server.base

    def pids(self) -> list[int]:
        return [p.pid for p in [*self.apis.values(), *self.workers] if p.alive()]

    def start_worker(self) -> ServerProcess:
        worker = self._start("worker")
        self.workers.append(worker)
        return worker

    @staticmethod
    def kill(proc: ServerProcess) -> None:
        """kill -9: no shutdown hook runs, leases and connections are left as they were."""
        proc.kill()

    def kill_api(self, base: str) -> None:
        self.kill(self.apis[base])

    def restart_api(self, base: str) -> None:
        self.start_api(int(base.rsplit(":", 1)[1]))

    def stop(self) -> None:
        procs = [*self.apis.values(), *self.workers]
        for proc in procs:
            if proc.alive():
                proc.proc.terminate()
        for proc in procs:
            proc.stop()

    def log_tail(self, chars: int = 4000) -> str:
        return "\n".join(f"== {p.name}\n{p.read_text(errors='replace')[-chars:]}"
                         for p in Path(self.database.tmp).glob("*.log"))


class RetryingClient:
    """A client that behaves as the docs tell clients to: every write carries an Idempotency-Key
    and is sent again, with the same key, until an answer arrives (connection refused or reset
    while an API process is down or restarting). `bases` are tried in turn."""

    def __init__(self, bases: list[str], space_id: str, key: str, give_up_after: float = 60) -> None:
        self.bases, self.space_id = bases, space_id
        self.headers = {"Authorization": f"Bearer {key}"}
        self.client = httpx.AsyncClient(timeout=10, headers=self.headers)
        self.give_up_after = give_up_after
        self.retries = 0
        self._turn = 0

    async def __aenter__(self) -> RetryingClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    def url(self, suffix: str) -> str:
        self._turn += 1
        return f"{self.bases[self._turn % len(self.bases)]}/apispaces/{self.space_id}{suffix}"

    async def request(self, method: str, suffix: str, **kwargs) -> httpx.Response:
        headers = {"Idempotency-Key": uuid.uuid4().hex} if method != "GET" else {}
        deadline = time.monotonic() + self.give_up_after
        while True:
            try:
                response = await self.client.request(method, self.url(suffix), headers=headers, **kwargs)
                in_progress = response.status_code == 409 and \
                    response.json().get("code") == "IdempotencyKeyInProgress"  # the killed process had it
                if response.status_code < 500 and not in_progress:
                    return response
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {suffix}: no answer for {self.give_up_after}s")
            self.retries += 1
            await asyncio.sleep(0.05)

    async def statuses(self, message_ids: list[str]) -> dict[str, str]:
        found = {}
        for message_id in message_ids:
            response = await self.request("GET", f"/messages/{message_id}")
            assert response.status_code == 200, response.text
            found[message_id] = response.json()["status"]
        return found

    async def wait_final(self, message_ids: list[str], timeout: float, final=FINAL) -> dict[str, str]:
        """Poll until every message has a status in `final` (or the time is up); the last statuses."""
        deadline = time.monotonic() + timeout
        statuses: dict[str, str] = {}
        while True:
            pending = [m for m in message_ids if statuses.get(m) not in final]
            statuses.update(await self.statuses(pending[:100]))
            if not [m for m in message_ids if statuses.get(m) not in final] or time.monotonic() > deadline:
                return statuses
            await asyncio.sleep(0.1)
