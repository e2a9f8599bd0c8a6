"""`onecast profiles import FILE`: the import job of the API, run from the shell with a progress bar."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

profiles_app = typer.Typer(help="Profiles in bulk.", no_args_is_help=True)
console = Console(soft_wrap=True)


def progress_bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=console, transient=False)


@profiles_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    space: Annotated[str, typer.Option(help="API space id")],
    fmt: Annotated[str, typer.Option("--format", help="csv or json (default: from the file name)")] = "",
    mode: Annotated[str, typer.Option(help="upsert (merge into existing profiles) or create (skip them)")] = "upsert",
    id_field: Annotated[str, typer.Option("--id-field", help="The field holding the profile id")] = "id",
) -> None:
    """Import profiles from a CSV or JSON file, showing progress."""
    from onecast.cli import run_in_space
    from onecast.kit.cli_errors import fail
    from onecast.profiles.imports import service, tasks

    fmt = fmt or ("csv" if file.suffix.lower() == ".csv" else "json")
    if fmt not in ("csv", "json"):
        fail(f"--format: {fmt!r} is not csv or json")
    if mode not in ("upsert", "create"):
        fail(f"--mode: {mode!r} is not upsert or create")

    async def work(db, settings, principal) -> dict:
        async with db.transaction() as session:
            job = await service.create_job(session, principal, fmt=fmt, mode=mode, id_field=id_field, name=file.name)
            job_id = job.id
        with file.open("rb") as handle:
            job = await service.store_upload(db, space, job_id, handle)
        async with db.transaction() as session:
            await service.start(session, await service.get_job(session, space, job_id, lock=True))
        owner = f"cli:{job_id}"
        with progress_bar() as bar:
            task = bar.add_task(f"Importing {file.name}", total=max(job.counts["total"] - job.counts["invalid"], 0))
            while True:
                # Apply what this process can claim; a running worker may hold the job instead.
                claimed = await tasks.claim(db, owner)
                while claimed is not None and await tasks.apply_chunk(db, claimed, owner):
                    await _show(db, bar, task, space, job_id)
                if (await _show(db, bar, task, space, job_id)) != "running":
                    break
                if claimed is None:
                    await asyncio.sleep(0.5)
        async with db.read() as session:
            return service.job_view(await service.get_job(session, space, job_id))

    view = run_in_space(space, work)
    print(json.dumps(view, indent=2))
    if view["failed"]:
        console.print(f"{view['failed']} lines failed: GET /apispaces/{space}/profiles/imports/{view['id']}/details"
                      "?status=failed says why")


async def _show(db, bar: Progress, task, space: str, job_id: str) -> str:
    from onecast.profiles.imports import service

    async with db.read() as session:
        job = await service.get_job(session, space, job_id)
    bar.update(task, completed=job.counts.get("processed", 0))
    return job.status
