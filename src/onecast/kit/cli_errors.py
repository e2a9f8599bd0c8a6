"""What the `onecast` command shows a person: one line per error, naming the option at fault,
and help without type metavars. `main` is the console-script entry point."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, NoReturn

import typer
from typer._click import exceptions as click_errors  # typer vendors click: these are its exceptions


class CliError(click_errors.ClickException):
    """A mistake of the user's (a bad option, an unusable database URL): one line, then exit 2.
    A ClickException, so typer's own runner (tests' CliRunner) gives the same exit code."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def fail(message: str, exit_code: int = 2) -> NoReturn:
    raise CliError(message, exit_code)


def validation_message(exc: Any, options: Mapping[str, str]) -> str:
    """The first error of a pydantic ValidationError as `--option: message`. `options` maps a
    field path (`to`, `to.phoneNumber`) to the option(s) that set it; the longest match wins."""
    error = exc.errors()[0]
    path = ".".join(str(part) for part in error["loc"])
    field = max((name for name in options if path == name or path.startswith(name + ".")), key=len, default=None)
    where = options[field] if field is not None else path
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}"


def _tidy_param(param: Any) -> Any:
    shown = None
    if param.param_type_name == "option" and not (param.is_flag or param.count):
        long_names = [opt for opt in param.opts if opt.startswith("--")] or [param.name or "value"]
        shown = param.metavar or long_names[0].lstrip("-").replace("-", "_").upper()
    param.display_type_rich = lambda ctx, shown=shown: shown
    return param


def _tidy_help(command: Any) -> None:
    """No `<str>`/`<bool>` in the help: a flag shows nothing, a value its name (`--space SPACE`),
    an argument only its name (--help and the completion options included)."""
    all_params = command.get_params
    command.get_params = lambda ctx: [_tidy_param(param) for param in all_params(ctx)]
    for sub in getattr(command, "commands", {}).values():
        _tidy_help(sub)


def run(app: typer.Typer, args: list[str] | None = None, prog_name: str = "onecast") -> int:
    """Run the CLI; return its exit code. Usage errors and CliError become one line on stderr."""
    command = typer.main.get_command(app)
    _tidy_help(command)
    try:
        result = command.main(args=args, prog_name=prog_name, standalone_mode=False)
    except click_errors.NoArgsIsHelpError as exc:  # bare `onecast spaces`: the help, already printed
        return exc.exit_code
    except click_errors.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else prog_name
        typer.echo(f"{where}: {exc.format_message()}", err=True)
        return exc.exit_code
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        return 1
    except click_errors.ClickException as exc:
        typer.echo(f"{prog_name}: {exc.format_message()}", err=True)
        return exc.exit_code
    return result if isinstance(result, int) else 0


def main() -> None:
    from onecast.cli import app

    sys.exit(run(app))
