"""`onecast console-user create|password|disable|enable|list`: console logins (argon2id passwords).
A password change or disabling ends the user's logins at once, in every API process."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import typer

console_users_app = typer.Typer(help="Console users (web console logins).", no_args_is_help=True)
PasswordOpt = Annotated[str | None, typer.Option(help="Asked for when not given (ONECAST_CONSOLE_PASSWORD)",
                                                    envvar="ONECAST_CONSOLE_PASSWORD")]


def _in_transaction(work: Callable[[Any], Awaitable[Any]]) -> Any:
    """Run `await work(session)` in one transaction; a refusal exits 1 with its reason."""
    from onecast.cli import _db, _settings
    from onecast.kit.errors import Problem

    async def main() -> Any:
        db = _db(_settings())
        try:
            async with db.transaction() as session:
                return await work(session)
        finally:
            await db.dispose()

    try:
        return asyncio.run(main())
    except Problem as exc:
        typer.echo(f"Error: {exc.detail}", err=True)
        raise typer.Exit(1) from None


def _password(password: str | None) -> str:
    return password if password is not None else typer.prompt("Password", hide_input=True,
                                                              confirmation_prompt=True)


@console_users_app.command("create")
def create(username: str, password: PasswordOpt = None) -> None:
    """Create a console user who can open every API space at /console."""
    from onecast.console.users import create_user

    password = _password(password)
    _in_transaction(lambda session: create_user(session, username, password))
    typer.echo(f"Console user {username} created; log in at /console")


@console_users_app.command("password")
def change_password(username: str, password: PasswordOpt = None) -> None:
    """Set a user's password: ends every login of the user and lifts a login lock on it."""
    from onecast.console.users import change_password

    password = _password(password)
    ended = _in_transaction(lambda session: change_password(session, username, password))
    typer.echo(f"Password of {username} changed; {ended} login(s) ended")


@console_users_app.command("disable")
def disable(username: str) -> None:
    """Refuse the user's logins from now on and end the ones open (cookies and agent sockets' sessions)."""
    from onecast.console.users import set_disabled

    ended = _in_transaction(lambda session: set_disabled(session, username, True))
    typer.echo(f"Console user {username} disabled; {ended} login(s) ended")


@console_users_app.command("enable")
def enable(username: str) -> None:
    """Let a disabled user log in again."""
    from onecast.console.users import set_disabled

    _in_transaction(lambda session: set_disabled(session, username, False))
    typer.echo(f"Console user {username} enabled")


@console_users_app.command("list")
def list_users() -> None:
    """Every console user: created, disabled, live logins."""
    from onecast.console.users import list_users as users_with_logins
    from onecast.kit.clock import iso

    for user, logins in _in_transaction(users_with_logins):
        state = f"disabled since {iso(user.disabled_on)}" if user.disabled_on else "enabled"
        typer.echo(f"{user.username}\tcreated {iso(user.created_on)}\t{state}\t{logins} live login(s)")
