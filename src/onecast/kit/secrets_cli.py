"""`onecast secrets generate-key | rotate`."""
from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

secrets_app = typer.Typer(help="Encryption of secrets at rest.", no_args_is_help=True)


@secrets_app.command("generate-key")
def generate_key_command() -> None:
    """Print a new key for ONECAST_SECRET_KEYS."""
    from onecast.kit.secrets import generate_key

    print(generate_key())


@secrets_app.command("rotate")
def rotate(new_key: Annotated[bool, typer.Option(
        "--new-key", help="First add a new key at the top of the key file (not with ONECAST_SECRET_KEYS)")] = False) -> None:
    """Re-encrypt every stored secret with the first key. With ONECAST_SECRET_KEYS: put the new key
    first, keep the old ones after it, run this, then drop the old ones."""
    from onecast.cli import _db, _settings, console
    from onecast.kit.secrets import configure_from, generate_key, key_file_for, read_key_file
    from onecast.kit.secrets_rotation import rotate_all
    from onecast.models import metadata

    settings = _settings()
    if new_key:
        if settings.secret_keys:
            console.print("[red]--new-key edits the key file; with ONECAST_SECRET_KEYS, put the new key first there[/]")
            raise typer.Exit(2)
        path = key_file_for(settings)
        path.write_text("\n".join([generate_key(), *read_key_file(path, create=True)]) + "\n")
        configure_from(settings)
        console.print(f"Added a new key at the top of {path}")

    async def main() -> dict[str, int]:
        db = _db(settings)
        try:
            return await rotate_all(db, metadata)
        finally:
            await db.dispose()

    print(json.dumps(asyncio.run(main())))
