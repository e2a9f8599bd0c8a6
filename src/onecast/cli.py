"""onecast serve | api | worker | migrate | spaces | keys | send"""
from __future__ import annotations

import asyncio
import json
import signal
import socket
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import typer
from rich.console import Console

from onecast.config import Settings
from onecast.console.cli import console_users_app
from onecast.kit.cli_errors import fail, validation_message
from onecast.kit.invocation import command_name
from onecast.kit.listen import bind_listener
from onecast.kit.secrets_cli import secrets_app
from onecast.messages.batch_cli import send_batch
from onecast.profiles.imports.cli import profiles_app

app = typer.Typer(help="Onecast: self-hosted omnichannel messaging.", no_args_is_help=True)
spaces_app = typer.Typer(help="API spaces (tenants).", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(spaces_app, name="spaces")
app.add_typer(keys_app, name="keys")
app.add_typer(profiles_app, name="profiles")
app.add_typer(secrets_app, name="secrets")
app.add_typer(console_users_app, name="console-user")
app.command("send-batch")(send_batch)
console = Console(soft_wrap=True)  # never break a key or a curl line

HostOpt = Annotated[str | None, typer.Option(help="Interface to listen on (ONECAST_HOST)")]
JsonOpt = typer.Option("--json", help="Print one JSON object (for scripts) instead of text")
PortOpt = Annotated[int | None, typer.Option(help="Port to listen on (ONECAST_PORT)")]


def _settings(host: str | None = None, port: int | None = None, *, migrating: bool = False) -> Settings:
    """The settings of a command that uses the database: exit 2 with one line when the database
    cannot be used (or, unless the command migrates it, is not migrated)."""
    import dataclasses

    from onecast.kit.database_check import database_problem
    from onecast.kit.secrets import configure_from

    settings = Settings.from_env()
    problem = database_problem(settings.database_url, need_schema=not migrating)
    if problem:
        fail(problem)
    configure_from(settings)  # every command may read or write encrypted columns
    return dataclasses.replace(settings, host=host or settings.host, port=port or settings.port)


def _db(settings: Settings):
    from onecast.kit.db import Database

    return Database(settings.async_database_url, settings)


_NO_SPACE = object()


def run_in_space(space: str, work: Callable[..., Awaitable[Any]]) -> Any:
    """Run `await work(db, settings, principal)` as the CLI acting in an API space: exit 1 when
    there is no such space, exit 2 with the problem's detail when the work is refused."""
    from onecast.kit.auth import Principal
    from onecast.kit.errors import Problem
    from onecast.spaces.models import ApiSpace

    async def main() -> Any:
        settings = _settings()
        db = _db(settings)
        try:
            async with db.read() as session:
                found = await session.get(ApiSpace, space)
            if found is None or found.deleted_on is not None:
                return _NO_SPACE
            return await work(db, settings, Principal("cli", space, found.account_id))
        finally:
            await db.dispose()

    try:
        result = asyncio.run(main())
    except Problem as problem:
        console.print(f"[red]{problem.detail}[/]")
        raise typer.Exit(2) from None
    if result is _NO_SPACE:
        console.print(f"[red]No API space {space}[/]")
        raise typer.Exit(1)
    return result


async def _bootstrap(settings: Settings) -> None:
    """Create a first API space and key when the database has none, and say how to use it."""
    from onecast.spaces.service import create_account_with_space, first_space

    db = _db(settings)
    try:
        async with db.transaction() as session:
            space = await first_space(session)
            created = None if space else await create_account_with_space(session, "default")
    finally:
        await db.dispose()
    base = f"http://{settings.host}:{settings.port}"
    if created:
        space, _key, raw = created
        console.print(f"[bold green]Created API space[/] {space.id}")
        console.print(f"[bold]API key[/] (shown once): {raw}")
        console.print(f"Try: curl -s -X POST {base}/apispaces/{space.id}/messages "
                      f"-H 'Authorization: Bearer {raw}' -H 'Content-Type: application/json' "
                      "-d '{\"to\":{\"phoneNumber\":\"447700900123\"},\"body\":\"Hello\",\"rules\":[\"sms\"]}'")
    else:
        console.print(f"API space {space.id} exists; make a new key with: "
                      f"{command_name()} keys create {space.id}")


def _serve(settings: Settings, listener: socket.socket, *, worker: bool) -> None:
    import uvicorn

    from onecast.app import create_app

    console.print(f"Onecast listening on http://{settings.host}:{settings.port} "
                  f"(docs at /docs, database {settings.database_url}, worker {'on' if worker else 'off'})")
    config = uvicorn.Config(create_app(settings, run_worker=worker), host=settings.host, port=settings.port,
                            log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[listener])


@app.command()
def serve(host: HostOpt = None, port: PortOpt = None,
          bootstrap: Annotated[bool, typer.Option(help="Migrate and create a first space if none")] = True) -> None:
    """API and delivery worker in one process."""
    settings = _settings(host, port, migrating=bootstrap)
    listener = bind_listener(settings.host, settings.port)  # a busy port fails before anything is created
    if bootstrap:
        from onecast.kit.migrate import upgrade

        upgrade(settings.database_url)
        asyncio.run(_bootstrap(settings))
    _serve(settings, listener, worker=True)


@app.command()
def api(host: HostOpt = None, port: PortOpt = None) -> None:
    """The HTTP API only (run workers separately; for PostgreSQL scale-out)."""
    settings = _settings(host, port)
    _serve(settings, bind_listener(settings.host, settings.port), worker=False)


@app.command()
def worker() -> None:
    """The delivery worker only."""
    from onecast.delivery.worker import Worker

    settings = _settings()

    async def main() -> None:
        db = _db(settings)
        runner = Worker(db, settings)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, runner.stop)
        console.print(f"Onecast worker {runner.name} on {settings.database_url}")
        if settings.metrics_port:
            from prometheus_client import start_http_server

            from onecast.observability.metrics import REGISTRY

            start_http_server(settings.metrics_port, addr=settings.host, registry=REGISTRY)
            console.print(f"Metrics on http://{settings.host}:{settings.metrics_port}/metrics")
        try:
            await runner.run()
        finally:
            await db.dispose()

    asyncio.run(main())


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from onecast.kit.migrate import upgrade

    settings = _settings(migrating=True)
    upgrade(settings.database_url)
    console.print(f"Database {settings.database_url} is up to date")


@spaces_app.command("create")
def spaces_create(name: str, as_json: Annotated[bool, JsonOpt] = False) -> None:
    """Create an API space (in a new account) and its first key."""
    from onecast.spaces.service import create_account_with_space

    async def main() -> tuple[str, str]:
        db = _db(_settings())
        try:
            async with db.transaction() as session:
                space, _key, raw = await create_account_with_space(session, name)
                return space.id, raw
        finally:
            await db.dispose()

    space_id, raw = asyncio.run(main())
    if as_json:
        print(json.dumps({"apiSpaceId": space_id, "apiKey": raw}))
    else:
        console.print(f"API space {space_id}\nAPI key (shown once): {raw}")


@keys_app.command("create")
def keys_create(space: str, name: Annotated[str, typer.Option(help="A label")] = "cli",
                as_json: Annotated[bool, JsonOpt] = False) -> None:
    """Create another key for a space."""
    from onecast.spaces.models import ApiSpace
    from onecast.spaces.service import create_key

    async def main() -> str | None:
        db = _db(_settings())
        try:
            async with db.transaction() as session:
                found = await session.get(ApiSpace, space)
                if found is None or found.deleted_on is not None:
                    return None
                _key, raw = await create_key(session, space, name)
                return raw
        finally:
            await db.dispose()

    raw = asyncio.run(main())
    if raw is None:
        console.print(f"[red]No API space {space}[/]")
        raise typer.Exit(1)
    print(json.dumps({"apiSpaceId": space, "apiKey": raw}) if as_json else raw)


# The fields of a POST /messages body `onecast send` sets, and the options that set them.
SEND_OPTIONS = {"to": "--phone, --email or --profile (the recipient)", "to.phoneNumber": "--phone",
                "to.email": "--email", "to.profileId": "--profile", "body": "--body", "title": "--title",
                "rules": "--rules"}


@app.command()
def send(
    space: Annotated[str, typer.Option(help="API space id")],
    body: Annotated[str, typer.Option(help="Message text")],
    rules: Annotated[str, typer.Option(help="Channels in order, comma separated")] = "sms",
    phone: Annotated[str | None, typer.Option("--phone", help="to.phoneNumber")] = None,
    email: Annotated[str | None, typer.Option("--email", help="to.email")] = None,
    profile: Annotated[str | None, typer.Option("--profile", help="to.profileId")] = None,
    title: Annotated[str | None, typer.Option(help="Subject / title")] = None,
    wait: Annotated[bool, typer.Option(help="Deliver this space's due messages now and print the final status")] = True,
) -> None:
    """Send a message from the shell."""
    from pydantic import ValidationError

    from onecast.messages.schemas import MessageIn

    if not rules.strip(" ,"):
        fail("--rules: name at least one channel, e.g. --rules sms")
    to = {k: v for k, v in {"phoneNumber": phone, "email": email, "profileId": profile}.items() if v}
    try:
        item = MessageIn.model_validate({"to": to, "body": body, "title": title,
                                         "rules": [r.strip() for r in rules.split(",") if r.strip()]})
    except ValidationError as exc:
        fail(validation_message(exc, SEND_OPTIONS))

    async def work(db, settings: Settings, principal) -> dict:
        from onecast.delivery.worker import Worker
        from onecast.messages import service
        from onecast.messages.views import message_view

        async with db.transaction() as session:
            (message,) = await service.send_many(session, principal, [item])
            message_id = message.id
        if wait:
            await Worker(db, settings, space_id=space).drain()
        async with db.transaction() as session:
            message = await service.get_message(session, space, message_id)
            return message_view(message, await service.status_history(session, message_id))

    view = run_in_space(space, work)
    print(json.dumps(view, indent=2))


if __name__ == "__main__":
    import sys

    from onecast.kit.cli_errors import run

    sys.exit(run(app))
