#!/usr/bin/env python3
"""The minimal reference server of bench/engine.py: what the same stack does with no platform.

uvicorn + Starlette; `POST /apispaces/{space}/messages` (and `/messages/batch`) write the three
rows Onecast writes per accepted message (messages, message_status_events, delivery_outbox) into
the same migrated schema, committed before the answer; an in-process worker, woken on commit,
claims outbox rows in sets and writes `sent` then `delivered` for each (no provider). SQLite: one
writer connection in its own thread with group commit; PostgreSQL: asyncpg.

  python bench/engine_ref.py DATABASE_URL PORT
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import sqlite3
import sys
import threading
import uuid
from datetime import UTC, datetime

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

MESSAGE_COLS = (
    "id, space_id, direction, status, request, plan, plan_index, content, status_details, channel, "
    "body, attempts, revision, redacted, created_on, created_by, updated_on, updated_by"
)
CLAIM = 256


def message_rows(space: str, items: list[dict], now: datetime) -> tuple[list[tuple], list[tuple], list[tuple]]:
    messages, events, outbox = [], [], []
    for item in items:
        mid = str(uuid.uuid4())
        plan = [{"channel": "sms", "type": "sms", "address": item["to"]["phoneNumber"], "provider": "sandbox"}]
        messages.append(
            (
                mid,
                space,
                "outbound",
                "processing",
                json.dumps(item),
                json.dumps(plan),
                0,
                json.dumps({"body": item.get("body")}),
                json.dumps({"channel": "sms"}),
                "sms",
                item.get("body"),
                0,
                1,
                False,
                now,
                "ref",
                now,
                "ref",
            )
        )
        events.append((mid, "processing", "sms", "{}", now))
        outbox.append((space, mid, now, 0, now))
    return messages, events, outbox


class SqliteStore:
    """One writer thread; requests queue their rows, the thread commits all queued at once."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.jobs: queue.Queue = queue.Queue()
        self.loop = asyncio.get_running_loop()
        threading.Thread(target=self._writer, daemon=True).start()

    def _conn(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=60000")
        return conn

    def _writer(self) -> None:
        conn = self._conn()
        while True:
            group = [self.jobs.get()]
            while not self.jobs.empty():
                group.append(self.jobs.get_nowait())
            conn.execute("BEGIN IMMEDIATE")
            results = []
            try:
                for fn, fut in group:
                    results.append((fut, fn(conn)))
                conn.execute("COMMIT")
            except Exception as exc:
                conn.execute("ROLLBACK")
                results = [(fut, exc) for _fn, fut in group]
            for fut, value in results:
                self.loop.call_soon_threadsafe(_settle, fut, value)

    async def run(self, fn):
        fut = self.loop.create_future()
        self.jobs.put((fn, fut))
        return await fut

    @staticmethod
    def _ts(now: datetime) -> str:
        return now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    async def accept(self, rows) -> None:
        messages, events, outbox = (
            [tuple(self._ts(v) if isinstance(v, datetime) else v for v in row) for row in part] for part in rows
        )

        def write(conn: sqlite3.Connection) -> None:
            conn.executemany(f"INSERT INTO messages ({MESSAGE_COLS}) VALUES ({','.join('?' * 18)})", messages)
            conn.executemany(
                "INSERT INTO message_status_events (message_id, status, channel, details, timestamp) "
                "VALUES (?,?,?,?,?)",
                events,
            )
            conn.executemany(
                "INSERT INTO delivery_outbox (space_id, message_id, available_at, attempts, created_on) "
                "VALUES (?,?,?,?,?)",
                outbox,
            )

        await self.run(write)

    async def deliver_some(self) -> int:
        def work(conn: sqlite3.Connection) -> int:
            jobs = conn.execute(
                "SELECT id, message_id FROM delivery_outbox ORDER BY available_at, id LIMIT ?", (CLAIM,)
            ).fetchall()
            if not jobs:
                return 0
            now = self._ts(datetime.now(UTC))
            ids = [(m,) for _j, m in jobs]
            conn.executemany(
                "UPDATE messages SET status='delivered', updated_on=? WHERE id=?", [(now, m) for (m,) in ids]
            )
            conn.executemany(
                "INSERT INTO message_status_events (message_id, status, channel, details, timestamp) "
                "VALUES (?,?,'sms','{}',?)",
                [(m, s, now) for (m,) in ids for s in ("sent", "delivered")],
            )
            conn.executemany("DELETE FROM delivery_outbox WHERE id=?", [(j,) for j, _m in jobs])
            return len(jobs)

        return await self.run(work)


class PostgresStore:
    def __init__(self, pool) -> None:
        self.pool = pool

    async def accept(self, rows) -> None:
        messages, events, outbox = rows
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.executemany(
                f"INSERT INTO messages ({MESSAGE_COLS}) VALUES ($1,$2,$3,$4,$5::jsonb,$6::jsonb,$7,$8::jsonb,$9::jsonb,"
                "$10,$11,$12,$13,$14,$15,$16,$17,$18)",
                messages,
            )
            await conn.executemany(
                "INSERT INTO message_status_events (message_id, status, channel, details, timestamp)"
                " VALUES ($1,$2,$3,$4::jsonb,$5)",
                events,
            )
            await conn.executemany(
                "INSERT INTO delivery_outbox (space_id, message_id, available_at, attempts, "
                "created_on) VALUES ($1,$2,$3,$4,$5)",
                outbox,
            )

    async def deliver_some(self) -> int:
        async with self.pool.acquire() as conn, conn.transaction():
            jobs = await conn.fetch(
                "SELECT id, message_id FROM delivery_outbox ORDER BY available_at, id LIMIT $1 FOR UPDATE SKIP LOCKED",
                CLAIM,
            )
            if not jobs:
                return 0
            now = datetime.now(UTC)
            mids = [j["message_id"] for j in jobs]
            await conn.execute("UPDATE messages SET status='delivered', updated_on=$1 WHERE id = ANY($2)", now, mids)
            await conn.executemany(
                "INSERT INTO message_status_events (message_id, status, channel, details, timestamp)"
                " VALUES ($1,$2,'sms','{}'::jsonb,$3)",
                [(m, s, now) for m in mids for s in ("sent", "delivered")],
            )
            await conn.execute("DELETE FROM delivery_outbox WHERE id = ANY($1)", [j["id"] for j in jobs])
            return len(jobs)


def _settle(fut: asyncio.Future, value) -> None:
    if fut.done():
        return
    if isinstance(value, Exception):
        fut.set_exception(value)
    else:
        fut.set_result(value)


def build_app(database_url: str) -> Starlette:
    state: dict = {}
    wake = asyncio.Event()

    async def worker() -> None:
        store = state["store"]
        while True:
            while await store.deliver_some():
                pass
            wake.clear()
            try:
                await asyncio.wait_for(wake.wait(), 5.0)  # rare safety net: one process writes here
            except TimeoutError:
                pass

    async def accept(request: Request, batch: bool) -> Response:
        body = await request.json()
        items = body if batch else [body]
        if not isinstance(items, list) or not all(isinstance(i, dict) and "to" in i for i in items):
            return JSONResponse({"title": "bad request"}, status_code=400)
        rows = message_rows(request.path_params["space"], items, datetime.now(UTC))
        await state["store"].accept(rows)
        wake.set()
        answers = [{"messageId": m[0]} for m in rows[0]]
        return JSONResponse(answers if batch else answers[0], status_code=201 if not batch else 202)

    async def single(request: Request) -> Response:
        return await accept(request, False)

    async def batch(request: Request) -> Response:
        return await accept(request, True)

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette):
        if database_url.startswith("sqlite:///"):
            state["store"] = SqliteStore(database_url[len("sqlite:///") :])
        else:
            import asyncpg

            state["store"] = PostgresStore(await asyncpg.create_pool(database_url, min_size=2, max_size=10))
        state["worker"] = asyncio.create_task(worker())
        yield
        state["worker"].cancel()

    return Starlette(
        routes=[
            Route("/apispaces/{space}/messages", single, methods=["POST"]),
            Route("/apispaces/{space}/messages/batch", batch, methods=["POST"]),
            Route("/healthz", health),
        ],
        lifespan=lifespan,
    )


if __name__ == "__main__":
    uvicorn.run(build_app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
