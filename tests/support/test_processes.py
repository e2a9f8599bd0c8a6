"""The shared process helper never blocks on a pipe, reports the log when a start fails, and
every wait ends at its deadline."""

import asyncio
import sys

import pytest

from tests.support.processes import free_port, start_process, until, wait_until

CHATTY = "import sys, time\nfor i in range(20000): print('line', i, 'x' * 40)\nprint('all written', flush=True)\ntime.sleep(600)"


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_a_chatty_process_is_never_stalled_by_its_output(tmp_path):
    """1 MB of output: a pipe nobody reads would stop the child after 64 KB."""
    proc = start_process(python(CHATTY), log_dir=tmp_path, name="chatty")
    try:
        assert proc.wait_for_log(r"all written", timeout=120)
        assert proc.alive()
    finally:
        proc.stop()
    assert not proc.alive()


def test_a_server_that_exits_while_starting_fails_at_once_with_its_log(tmp_path):
    port = free_port()
    proc = start_process(
        python("import sys; print('boom: no config'); sys.exit(3)"), log_dir=tmp_path, base=f"http://127.0.0.1:{port}"
    )
    # "exited while starting", not "not ready after": the exit ends the wait, not the deadline
    with pytest.raises(AssertionError, match=r"(?s)exited while starting.*exited with 3.*boom: no config"):
        proc.wait_ready(timeout=600)


def test_a_server_that_never_answers_fails_at_its_deadline_with_its_log(tmp_path):
    port = free_port()
    proc = start_process(
        python("import time; print('still thinking', flush=True); time.sleep(600)"),
        log_dir=tmp_path,
        base=f"http://127.0.0.1:{port}",
    )
    try:
        proc.wait_for_log("still thinking", timeout=120)
        with pytest.raises(AssertionError, match=r"(?s)not ready after 0.5s.*running.*still thinking"):
            proc.wait_ready(timeout=0.5)
    finally:
        proc.stop(timeout=5)


def test_stop_kills_a_process_that_ignores_sigterm(tmp_path):
    code = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready', flush=True)\ntime.sleep(600)"
    proc = start_process(python(code), log_dir=tmp_path)
    proc.wait_for_log("ready", timeout=120)
    proc.stop(timeout=0.5)
    assert not proc.alive() and proc.proc.returncode == -9


def test_wait_until_returns_the_value_or_names_what_it_waited_for():
    values = iter([0, None, "done"])
    assert wait_until(lambda: next(values), "a value", interval=0) == "done"
    with pytest.raises(AssertionError, match="timed out after 0.1s waiting for the impossible"):
        wait_until(lambda: False, "the impossible", timeout=0.1)


async def test_until_awaits_async_checks():
    calls = []

    async def check():
        calls.append(1)
        await asyncio.sleep(0)
        return len(calls) >= 3 and "third"

    assert await until(check, "the third call", interval=0) == "third"
    with pytest.raises(AssertionError, match="waiting for never"):
        await until(lambda: None, "never", timeout=0.1)
