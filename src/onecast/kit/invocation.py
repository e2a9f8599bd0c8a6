"""The command that runs this same `onecast` from where the user is: `onecast` when that is the
one on PATH, else the path they typed (`.venv/bin/onecast` after `make run`), so hints work
when pasted."""

from __future__ import annotations

import os
import shlex
import shutil
import sys


def command_name(argv0: str | None = None, path: str | None = None) -> str:
    argv0 = sys.argv[0] if argv0 is None else argv0
    if argv0.endswith((".py", "-c")) or not argv0:  # python -m onecast.cli
        return f"{shlex.quote(sys.executable)} -m onecast.cli"
    running = (
        os.path.realpath(shutil.which(argv0, path=path) or argv0) if os.sep not in argv0 else os.path.realpath(argv0)
    )
    on_path = shutil.which("onecast", path=path)
    if on_path and os.path.realpath(on_path) == running:
        return "onecast"
    typed = os.path.relpath(running) if not os.path.relpath(running).startswith("..") else running
    if os.sep not in typed:
        typed = os.path.join(".", typed)
    return shlex.quote(typed)
