"""issue 20 #6 and #7: `onecast serve` takes its port before anything else (a busy port is one line,
nothing created, no "listening on"), and its restart hint is a command that works as printed."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.kit.test_cli_errors import ONECAST, one_line, onecast


@pytest.fixture
def busy_port():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.mark.parametrize("command", ["serve", "api"])
def test_a_busy_port_is_one_line_before_anything_else(tmp_path, busy_port, command):
    db = tmp_path / "fresh.db"
    if command == "api":  # api serves a migrated database
        assert onecast("migrate", database_url=f"sqlite:///{db}").returncode == 0
    result = onecast(command, "--port", str(busy_port), database_url=f"sqlite:///{db}")
    line = one_line(result)
    assert result.returncode == 2
    assert f"port {busy_port} on 127.0.0.1 is already in use" in line and "--port" in line, line
    if command == "serve":
        assert not db.exists()  # not migrated, no space or key made and shown for nothing


def _serve_until(args: list[str], cwd: Path, env: dict, pattern: str) -> re.Match:
    """Start a server, read its output until `pattern` shows, stop it."""
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if found := re.search(pattern, line):
                return found
        raise AssertionError("".join(lines))
    finally:
        proc.terminate()
        proc.wait(30)


def test_the_restart_hint_is_the_command_that_works_from_here(tmp_path):
    """After `make run` the command is `.venv/bin/onecast`, which is not on PATH."""
    venv_bin = Path(ONECAST).parent
    cwd = venv_bin.parent.parent  # the checkout, as after `make run`
    relative = os.path.relpath(ONECAST, cwd)
    path_without_venv = os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p).resolve() != venv_bin.resolve()
    )
    env = {
        **os.environ,
        "PATH": path_without_venv,
        "COLUMNS": "400",
        "ONECAST_DATABASE_URL": f"sqlite:///{tmp_path}/o.db",
        "ONECAST_PORT": "0",
    }
    assert subprocess.run([ONECAST, "migrate"], env=env, capture_output=True).returncode == 0
    created = subprocess.run([ONECAST, "spaces", "create", "first", "--json"], env=env, capture_output=True)
    assert created.returncode == 0
    hint = _serve_until([relative, "serve"], cwd, env, r"make a new key with: (.+)$")
    command = hint.group(1).strip()
    assert command.startswith(f"{relative} keys create "), command
    result = subprocess.run(shlex.split(command) + ["--json"], cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0 and "onecast_" in result.stdout, result.stdout + result.stderr
    # on PATH, it is plain `onecast`
    on_path = {**env, "PATH": f"{venv_bin}{os.pathsep}{path_without_venv}"}
    hint = _serve_until(["onecast", "serve"], tmp_path, on_path, r"make a new key with: (.+)$")
    assert hint.group(1).startswith("onecast keys create "), hint.group(1)
