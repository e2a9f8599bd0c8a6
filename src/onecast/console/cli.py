"""`onecast console-user create NAME`: a console login (argon2id password)."""
from __future__ import annotations

import asyncio
from typing import Annotated, Optional

import typer

console_users_app = typer.Typer(help="Console users (web console logins).", no_args_is_help=True)


@console_users_app.command("create")
def create(username: str,
           password: Annotated[Optional[str], typer.Option(help="Asked for when not given (ONECAST_CONSOLE_PASSWORD)",
                                                           envvar="ONECAST_CONSOLE_PASSWORD")] = None) -> None:
    """Create a console user who can open every API space at /console."""
    from onecast.cli import _db, _settings
    from onecast.console.users import create_user
    from onecast.kit.errors import Problem

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def main() -> None:
        db = _db(_settings())
        try:
            async with db.transaction() as session:
                await create_user(session, username, password)
        finally:
            await db.dispose()

    try:
        asyncio.run(main())
    except Problem as exc:
        typer.echo(f"Error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Console user {username} created; log in at /console")
