"""Group commit of delivery outcomes: the outcomes of concurrent deliveries are written in one
transaction instead of one each (on SQLite every write transaction queues for the one writer).

There is no timer: the first outcome starts a write at once, and whatever arrives while a
write is running (or, on SQLite, waiting for the writer lock) goes into the next one, so a busy
worker writes large groups and an idle one adds no delay. Each caller waits until its own outcome
is committed, so a delivery slot frees only then and the worker's concurrency bounds a group.
If a grouped transaction fails, each of its outcomes is recorded alone: one bad outcome cannot
lose the others, and an outcome that keeps failing raises to its caller as before (its lease runs
out and the job is retried).
"""
from __future__ import annotations

import asyncio

import structlog

from onecast.config import Settings
from onecast.delivery.service import Outcome, apply_outcome

log = structlog.get_logger("onecast.delivery")
WRITERS = 4  # concurrent group transactions on PostgreSQL


class OutcomeRecorder:
    def __init__(self, db, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._waiting: list[tuple[Outcome, asyncio.Future]] = []
        self._writers: set[asyncio.Task] = set()
        # SQLite has one writer anyway; PostgreSQL overlaps a few groups' round trips.
        self._most_writers = 1 if db.is_sqlite else WRITERS

    async def record(self, outcome: Outcome) -> None:
        """Return once `outcome` is committed; raise what recording it alone raised."""
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((outcome, done))
        if len(self._writers) < self._most_writers:
            writer = asyncio.create_task(self._write_while_waiting())
            self._writers.add(writer)
            writer.add_done_callback(self._writers.discard)
        await asyncio.shield(done)  # a cancelled caller must not cancel the others' write

    async def _write_while_waiting(self) -> None:
        while self._waiting:
            group: list[tuple[Outcome, asyncio.Future]] = []
            try:
                async with self.db.transaction() as session:
                    # Taken only now, with the transaction (on SQLite the writer lock) held.
                    group, self._waiting = self._waiting, []
                    for outcome, _ in group:
                        await apply_outcome(session, self.settings, outcome)
                        await session.flush()  # the next outcome sees this one's writes, as if serial
            except Exception as exc:
                if not group:  # failed before taking any (database down): they fail alone, no spinning
                    group, self._waiting = self._waiting, []
                log.warning("outcome_group_failed", outcomes=len(group), error=repr(exc))
                await self._write_each_alone(group)
                continue
            for _, done in group:
                _settle(done)

    async def _write_each_alone(self, group: list[tuple[Outcome, asyncio.Future]]) -> None:
        for outcome, done in group:
            try:
                async with self.db.transaction() as session:
                    await apply_outcome(session, self.settings, outcome)
            except Exception as exc:
                _settle(done, exc)
            else:
                _settle(done)


def _settle(done: asyncio.Future, exc: BaseException | None = None) -> None:
    if done.done():
        return
    if exc is None:
        done.set_result(None)
    else:
        done.set_exception(exc)
