"""Server processes for tests, and waiting for conditions, in one place (see docs/testing.md).

A started process writes its output to a log file, never to a pipe: nobody reads a pipe while
the test runs, so a full one would stall the server, and reading a live one blocks the test.
Every wait has a deadline; when it passes, or the process exits early, the AssertionError
carries the tail of the server's log. Start-up deadlines are long because a loaded 2-core
machine can take a minute to start a Python server; a healthy start returns as soon as it is up.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

# How long a server may take to come up (ONECAST_TEST_STARTUP_SECONDS overrides it).
STARTUP_SECONDS = float(os.environ.get("ONECAST_TEST_STARTUP_SECONDS", "120"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Callable[[], Any], what: str, timeout: float = 30.0, interval: float = 0.05) -> Any:
    """Call `check` until it returns something true (returned) or `timeout` seconds pass (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


async def until(
    check: Callable[[], Any | Awaitable[Any]], what: str, timeout: float = 30.0, interval: float = 0.05
) -> Any:
    """`wait_until` for async tests: `check` may be a plain or an async function."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        await asyncio.sleep(interval)


class ServerProcess:
    """A started process, its log file and (for a server) its base URL."""

    def __init__(self, proc: subprocess.Popen, log_path: Path, base: str | None = None) -> None:
        self.proc, self.log_path, self.base = proc, log_path, base

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log(self, chars: int = 4000) -> str:
        """The last `chars` characters the process wrote (stdout and stderr)."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    def failure(self, what: str) -> AssertionError:
        state = "running" if self.alive() else f"exited with {self.proc.returncode}"
        return AssertionError(f"{what} ({' '.join(map(str, self.proc.args[1:]))}, {state}); its log:\n{self.log()}")

    def wait_for_log(self, pattern: str, timeout: float = STARTUP_SECONDS) -> re.Match[str]:
        """The first match of `pattern` in the log, once the process has written it."""
        deadline = time.monotonic() + timeout
        while True:
            if match := re.search(pattern, self.log(chars=1_000_000)):
                return match
            if not self.alive():
                raise self.failure(f"exited before writing {pattern!r}")
            if time.monotonic() > deadline:
                raise self.failure(f"no {pattern!r} in the log after {timeout:g}s")
            time.sleep(0.05)

    def wait_ready(self, path: str = "/readyz", timeout: float = STARTUP_SECONDS) -> None:
        """Poll GET base+path until it answers 200; fail early if the process exits."""
        assert self.base, "not a server"
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive():
                raise self.failure(f"{self.base} exited while starting")
            try:
                if httpx.get(self.base + path, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise self.failure(f"{self.base}{path} not ready after {timeout:g}s")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, leases and connections are left as they were."""
        if self.alive():
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM, and SIGKILL if it has not exited within `timeout` seconds."""
        if self.alive():
            self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()


def start_process(
    args: list[str],
    *,
    env: dict[str, str] | None = None,
    log_dir: str | Path | None = None,
    name: str = "process",
    cwd: str | Path | None = None,
    base: str | None = None,
) -> ServerProcess:
    """Start `args` with its output in `<log_dir>/<name>.log` (a new temporary directory by default)."""
    log_path = Path(log_dir or tempfile.mkdtemp(prefix="onecast-proc-")) / f"{name}.log"
    with open(log_path, "ab") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            args,
            env=env,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a signal meant for the test run does not reach the server first
        )
    return ServerProcess(proc, log_path, base)


def onecast_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of an `onecast` process on `database_url`; `extra` are ONECAST_* overrides."""
    return {**os.environ, "ONECAST_DATABASE_URL": database_url, **extra}


def start_onecast(
    command: str,
    database_url: str,
    *args: str,
    port: int | None = None,
    ready: str | None = "/readyz",
    env: dict[str, str] | None = None,
    log_dir: str | Path | None = None,
    cwd: str | Path | None = None,
) -> ServerProcess:
    """`onecast <command> [--port N] <args>` (api, serve or worker) on `database_url`. A server gets a
    free port unless given one and is returned once GET `ready` answers 200 (ready=None: at once).
    `env` holds ONECAST_* overrides."""
    argv = [sys.executable, "-m", "onecast.cli", command]
    base = None
    if command in ("api", "serve"):
        port = port or free_port()
        base = f"http://127.0.0.1:{port}"
        argv += ["--port", str(port)]
    name = f"{command}-{port}" if port else command
    server = start_process(
        [*argv, *args], env=onecast_env(database_url, **(env or {})), log_dir=log_dir, name=name, cwd=cwd, base=base
    )
    if base and ready:
        try:
            server.wait_ready(ready)
        except BaseException:
            server.stop()
            raise
    return server


def bootstrapped_space(serve: ServerProcess) -> tuple[str, str]:
    """The API space id and key `onecast serve` prints when it creates the first space on a new database."""
    space = serve.wait_for_log(r"Created API space\s+(\S+)").group(1)
    key = serve.wait_for_log(r"(onecast_[A-Za-z0-9_-]{20,})").group(1)
    return space, key


@contextmanager
def running_onecast(command: str, database_url: str, *args: str, **options: Any) -> Iterator[ServerProcess]:
    """`start_onecast` that stops the process when the block ends."""
    server = start_onecast(command, database_url, *args, **options)
    try:
        yield server
    finally:
        server.stop()
