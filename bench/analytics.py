#!/usr/bin/env python3
"""Analytics benchmark: prints ONE JSON line of figures.

For each database (SQLite in a temp file; PostgreSQL when --postgres [URL] or
ONECAST_BENCH_POSTGRES_URL is given) it migrates a fresh database, inserts N messages of one API
space spread over 30 days (sms / email, outbound / inbound, mixed statuses) plus N/10 in another
space, then times the reports in-process (median of --runs):

  messages_day       /analytics/messages, by day over the 30 days (30 buckets)
  sms_outbound_hour  /analytics/sms/outbound, by hour (720 buckets)
  sms_outbound_tz    the same in Europe/Paris (grouped by UTC quarter hour, folded to local hours)

  .venv/bin/python bench/analytics.py [--rows 200000] [--runs 3] [--postgres [URL]]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent))
from send import DEFAULT_PG, BenchError, PostgresDatabase

from onecast.analytics import service
from onecast.analytics.buckets import window
from onecast.config import database_url_for
from onecast.kit.db import Database
from onecast.kit.migrate import upgrade
from onecast.messages.models import Message
from onecast.spaces.service import create_account_with_space

START = datetime(2030, 1, 1, tzinfo=UTC)
STATUSES = ["delivered", "sent", "read", "failed", "filtered", "expired", "delivered", "delivered"]


def _rows(space_id: str, count: int) -> list[dict]:
    step = timedelta(days=30) / count
    rows = []
    for i in range(count):
        inbound = i % 10 == 0
        rows.append({"id": f"{space_id[:8]}-{i:012d}", "space_id": space_id,
                     "direction": "inbound" if inbound else "outbound",
                     "status": "received" if inbound else STATUSES[i % len(STATUSES)],
                     "channel": "email" if i % 4 == 1 else "sms", "segment_count": 1 + i % 3,
                     "request": {"rules": ["sms"]}, "plan": [], "plan_index": 0, "content": {},
                     "status_details": {}, "attempts": 1, "revision": 1, "redacted": False,
                     "created_on": START + step * i, "updated_on": START + step * i,
                     "created_by": "bench", "updated_by": "bench"})
    return rows


async def _seed(db: Database, rows: int) -> str:
    async with db.transaction() as session:
        space, _key, _raw = await create_account_with_space(session, "bench")
        other, _key, _raw = await create_account_with_space(session, "other")
    for space_id, count in ((space.id, rows), (other.id, rows // 10)):
        data = _rows(space_id, count)
        for i in range(0, len(data), 5000):
            async with db.transaction() as session:
                await session.execute(insert(Message), data[i:i + 5000])
    return space.id


async def _time(db: Database, space_id: str, report, win, runs: int) -> dict:
    seconds, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        async with db.read() as session:
            result = await report(session, space_id, win)
        seconds.append(time.perf_counter() - began)
    return {"ms_median": round(statistics.median(seconds) * 1000, 1), "buckets": len(result)}


async def bench(url: str, rows: int, runs: int) -> dict:
    db = Database(database_url_for(url))
    try:
        began = time.perf_counter()
        space_id = await _seed(db, rows)
        seeded = time.perf_counter() - began
        end = START + timedelta(days=30)
        figures = {
            "messages_day": await _time(db, space_id, service.messages, window(START, end, "day", None), runs),
            "sms_outbound_hour": await _time(db, space_id, service.sms_outbound, window(START, end, "hour", None),
                                             runs),
            "sms_outbound_tz": await _time(db, space_id, service.sms_outbound,
                                           window(START, end, "hour", "Europe/Paris"), runs),
        }
        return {"rows": rows, "seed_s": round(seeded, 1), **figures}
    finally:
        await db.dispose()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=200_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--postgres", nargs="?", const=DEFAULT_PG, default=os.environ.get("ONECAST_BENCH_POSTGRES_URL"))
    args = p.parse_args()
    out: dict = {"bench": "analytics", "python": platform.python_version(), "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="onecast-bench-") as tmp:
        upgrade(f"sqlite:///{tmp}/bench.db")  # alembic runs its own event loop: before asyncio.run
        out["sqlite"] = asyncio.run(bench(f"sqlite:///{tmp}/bench.db", args.rows, args.runs))
    if args.postgres:
        pg = PostgresDatabase(args.postgres)
        try:
            pg.create()
            upgrade(pg.url)
            out["postgresql"] = asyncio.run(bench(pg.url, args.rows, args.runs))
        except BenchError as exc:
            out["postgresql"] = {"error": str(exc)}
        finally:
            pg.drop()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
