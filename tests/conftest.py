"""Shared fixtures: one migrated database per run (SQLite file or the PostgreSQL of
ONECAST_TEST_DATABASE_URL), one app, and a fresh API space per test for isolation."""
from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest

from onecast.app import create_app
from onecast.config import Settings
from onecast.kit.migrate import upgrade
from tests.support.testrun import SHARED_SERVER_DIRECTORIES, RunResources

# One secret key for the test process and every server it starts, so all read each other's
# encrypted columns (and no key file is written into the working directory).
os.environ.setdefault("ONECAST_SECRET_KEYS", "wVbH0xRKxN3pbEC2JQ2tB3ESXTIbAqUNq5bp7BiC8kQ=")
# The peers tests send to (custom channel receivers, vendor fakes, attachment servers, push
# services) listen on loopback, which the outbound guard refuses by default: this app and every
# server the tests start allow it. tests/hostile and tests/webhooks use `strict_app_fixtures`.
LOOPBACK = "127.0.0.0/8,::1/128"
os.environ.setdefault("ONECAST_OUTBOUND_ALLOWED_NETWORKS", LOOPBACK)


def pytest_configure(config: pytest.Config) -> None:
    """Each test process (the run, or each xdist worker) keeps its temporary files under one
    directory and, on PostgreSQL, its rows in a database of its own; both go when it ends."""
    config.onecast_run = RunResources.start(os.environ.get("PYTEST_XDIST_WORKER"))


def pytest_unconfigure(config: pytest.Config) -> None:
    if run := getattr(config, "onecast_run", None):
        run.finish()


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the xdist_group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of a directory that shares one server process run on one xdist worker (--dist loadgroup)."""
    for item in items:
        for directory, group in SHARED_SERVER_DIRECTORIES.items():
            if f"/{directory}/" in str(item.path):
                item.add_marker(pytest.mark.xdist_group(group))


def _database_url() -> str:
    url = os.environ.get("ONECAST_TEST_DATABASE_URL")
    if url:
        return url
    path = os.path.join(tempfile.mkdtemp(prefix="onecast-test-"), "test.db")
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def database_url() -> str:
    url = _database_url()
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_keys=os.environ["ONECAST_SECRET_KEYS"],
                    outbound_allowed_networks=LOOPBACK, log_json=True, retry_base_seconds=0.05,
                    retry_max_seconds=0.2, worker_poll_seconds=0.02, lease_seconds=5.0)


@pytest.fixture(scope="session")
async def app(settings: Settings):
    application = create_app(settings, run_worker=False)
    async with application.router.lifespan_context(application):
        yield application


@asynccontextmanager
async def app_with(settings: Settings, **changes) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a second app on the same database whose settings differ by `changes`."""
    application = create_app(dataclasses.replace(settings, **changes), run_worker=False)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://onecast.test") as client:
            yield client


@pytest.fixture(scope="session")
async def anon(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://onecast.test") as client:
        yield client


def strict_app_fixtures():
    """`settings`, `app` and `anon` overridden for a test directory (assign them in its conftest):
    an app with the production default, no loopback or private target allowed."""
    @pytest.fixture(scope="session", name="settings")
    def strict_settings(settings: Settings) -> Settings:
        return dataclasses.replace(settings, outbound_allowed_networks="", webhook_allowed_networks="")

    @pytest.fixture(scope="session", name="app")
    async def strict_app(settings: Settings):
        application = create_app(settings, run_worker=False)
        async with application.router.lifespan_context(application):
            yield application

    @pytest.fixture(scope="session", name="anon")
    async def strict_anon(app) -> AsyncIterator[httpx.AsyncClient]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://onecast.test") as client:
            yield client

    return strict_settings, strict_app, strict_anon


@dataclass
class SpaceClient:
    """A client authenticated with one space's key; `path` prefixes /apispaces/{id}."""

    client: httpx.AsyncClient
    space_id: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def path(self, suffix: str) -> str:
        return f"/apispaces/{self.space_id}{suffix}"

    async def request(self, method: str, suffix: str, **kwargs) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.client.request(method, self.path(suffix), headers=headers, **kwargs)

    async def get(self, suffix: str, **kw) -> httpx.Response:
        return await self.request("GET", suffix, **kw)

    async def post(self, suffix: str, **kw) -> httpx.Response:
        return await self.request("POST", suffix, **kw)

    async def put(self, suffix: str, **kw) -> httpx.Response:
        return await self.request("PUT", suffix, **kw)

    async def patch(self, suffix: str, **kw) -> httpx.Response:
        return await self.request("PATCH", suffix, **kw)

    async def delete(self, suffix: str, **kw) -> httpx.Response:
        return await self.request("DELETE", suffix, **kw)


async def new_space(app, client: httpx.AsyncClient, name: str = "test") -> SpaceClient:
    from onecast.spaces.service import create_account_with_space

    async with app.state.db.transaction() as session:
        space, _key, raw = await create_account_with_space(session, name)
    return SpaceClient(client, space.id, raw)


@pytest.fixture
async def space(app, anon) -> SpaceClient:
    return await new_space(app, anon, "space-a")


@pytest.fixture
async def other_space(app, anon) -> SpaceClient:
    return await new_space(app, anon, "space-b")


async def deliver_space(app, settings, space_id: str, timeout: float = 30.0) -> None:
    """Run a worker until no delivery job of this space is left (retries included)."""
    import asyncio
    import time

    from sqlalchemy import func, select

    from onecast.delivery.models import OutboxJob
    from onecast.delivery.worker import Worker

    worker = Worker(app.state.db, settings, name=f"test-{space_id[:8]}")
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            await worker.drain()
            async with app.state.db.transaction() as session:
                left = (await session.execute(select(func.count()).select_from(OutboxJob).where(
                    OutboxJob.space_id == space_id))).scalar_one()
            if not left:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"{left} delivery jobs of space {space_id} still pending after {timeout}s")
    finally:
        await worker.pool.close()


@pytest.fixture
def deliver(app, settings):
    # Longer than a job's lease (30 s): a job another test's worker claimed is taken over in time.
    async def run(space: SpaceClient, timeout: float = 90.0) -> None:
        await deliver_space(app, settings, space.space_id, timeout)

    return run
