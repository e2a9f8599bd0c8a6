"""`onecast send-batch FILE`: messages from a JSON Lines file (one POST /messages body a line),
accepted in chunks with a progress bar, then optionally delivered with a second one."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

CHUNK = 500


def send_batch(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="JSON Lines")],
    space: Annotated[str, typer.Option(help="API space id")],
    wait: Annotated[bool, typer.Option(help="Deliver the space's due messages now, with progress")] = False,
) -> None:
    """Send every message of a JSON Lines file; each chunk of 500 is accepted whole or not at all."""
    from pydantic import ValidationError
    from sqlalchemy import func, select

    from onecast.cli import run_in_space
    from onecast.delivery.models import OutboxJob
    from onecast.delivery.worker import Worker
    from onecast.kit.cli_errors import fail, validation_message
    from onecast.messages import service
    from onecast.messages.schemas import MessageIn
    from onecast.profiles.imports.cli import console, progress_bar

    items: list[MessageIn] = []
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(MessageIn.model_validate_json(line))
        except ValidationError as exc:
            fail(f"{file.name} line {number}: {validation_message(exc, {})}")

    async def work(db, settings, principal) -> int:
        with progress_bar() as bar:
            accepted = bar.add_task("Accepted", total=len(items))
            for start in range(0, len(items), CHUNK):
                async with db.transaction() as session:
                    await service.send_many(session, principal, items[start:start + CHUNK], indexed=True)
                bar.advance(accepted, len(items[start:start + CHUNK]))
            if wait:
                delivered = bar.add_task("Delivered", total=len(items))
                worker = Worker(db, settings, space_id=space)
                draining = asyncio.create_task(worker.drain())
                while not draining.done():
                    await asyncio.wait([draining], timeout=0.2)
                    async with db.read() as session:
                        left = (await session.execute(select(func.count()).select_from(OutboxJob).where(
                            OutboxJob.space_id == space))).scalar_one()
                    bar.update(delivered, completed=len(items) - min(left, len(items)))
                await draining
                await worker.pool.close()
        return len(items)

    count = run_in_space(space, work)
    console.print(f"{count} messages accepted")
