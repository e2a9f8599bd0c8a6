"""issue 20: every request example of README.md and docs/*.md runs, as written, against a real
`onecast serve` process: curl blocks through bash and the real curl (with $BASE/$SPACE/$KEY set
as a reader would), `http` blocks (`METHOD /path` + JSON bodies) through httpx. Each call must
answer the status its `# NNN` comment documents, else a 2xx. A block that is not a request, or a
request that cannot run here, is listed below with the reason; an unlisted new block fails."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.docs.example_files import write_example_files
from tests.docs.examples import Block, blocks, curl_expectations, http_requests

ONECAST = str(Path(sys.executable).with_name("onecast"))

# (file, first line of the block) -> why it is not an HTTP request example
NOT_REQUESTS = {
    (
        "docs/testing.md",
        "from tests.support.processes import running_onecast, start_onecast, until, wait_until",
    ): "test code (tests/support/test_processes.py runs these helpers)",
    (
        "README.md",
        "make run    # creates .venv, installs, migrates ./onecast.db (SQLite), creates a first API space and key",
    ): "make targets (tests/test_cli_and_serve.py runs what `make run` runs)",
    (
        "README.md",
        "export ONECAST_DATABASE_URL=postgresql://onecast@db.internal:5432/onecast",
    ): "shell commands of a PostgreSQL deployment (tests/test_cli_and_serve.py, tests/scale)",
    (
        "README.md",
        '{"type": "https://onecast.dev/problems/ValidationFailed", "title": "Validation failed", "status": 400,',
    ): "an error answer, not a request",
    (
        "docs/console.md",
        "onecast console-user create admin            # asks for the password (at least 8 characters)",
    ): "CLI commands (tests/console)",
    (
        "docs/conversations.md",
        '<script src="https://onecast.example/chat/widget/onecast-client.js"></script>',
    ): "HTML for a web page (tests/browser runs the widget)",
    (
        "docs/verify.md",
        '{"phoneNumber": "447400123456", "status": "On", "valid": true, "e164": "+447400123456",',
    ): "the answer of GET /phonevalidation/single",
    (
        "docs/webhooks.md",
        '{"eventId": "…", "apiSpaceId": "…", "name": "message.delivered", "payload": {…, "metadata": {…}},',
    ): "the envelope Onecast posts to a webhook",
    ("docs/webhooks.md", "from standardwebhooks import Webhook"): "receiver-side Python (tests/webhooks)",
}
# (file, first line) -> why the request cannot run here; keep this short
CANNOT_RUN: dict[tuple[str, str], str] = {}

# Placeholders a reader replaces by their own values, and what this test puts there.
PLACEHOLDERS = {"{profileId}": "ann", "{deviceId}": "phone-1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(database_url, tmp_path_factory):
    """A real `onecast serve` on the suite's database, and a new API space with its key."""
    env = {**os.environ, "ONECAST_DATABASE_URL": database_url, "COLUMNS": "400"}
    made = subprocess.run(
        [ONECAST, "spaces", "create", "docs-examples", "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert made.returncode == 0, made.stderr
    created = json.loads(made.stdout.strip().splitlines()[-1])
    port = _free_port()
    proc = subprocess.Popen(
        [ONECAST, "serve", "--no-bootstrap", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, "onecast serve did not start"
            time.sleep(0.2)
        key, space = created["apiKey"], created["apiSpaceId"]
        account = httpx.get(f"{base}/apispaces/{space}", headers={"Authorization": f"Bearer {key}"}).json()["accountId"]
        workdir = tmp_path_factory.mktemp("examples")
        write_example_files(workdir)
        yield {"base": base, "key": key, "space": space, "account": account, "workdir": workdir}
    finally:
        proc.terminate()
        proc.wait(30)


def _as_served(text: str, server: dict) -> str:
    """The documentation's hosts are the test server's."""
    for host in ("https://onecast.example", "http://127.0.0.1:8080"):
        text = text.replace(host, server["base"])
    return text


def _run_http(block: Block, server: dict) -> list[str]:
    method, path, bodies = http_requests(block)
    path = path.replace("{apiSpaceId}", server["space"]).replace("{id}", server["space"])
    path = path.replace("{accountId}", server["account"])
    for placeholder, value in PLACEHOLDERS.items():
        path = path.replace(placeholder, value)
    problems = []
    for body in bodies:
        body = json.loads(_as_served(json.dumps(body), server))
        r = httpx.request(
            method, server["base"] + path, json=body, timeout=60, headers={"Authorization": f"Bearer {server['key']}"}
        )
        if not 200 <= r.status_code < 300:
            problems.append(f"{block.where}: {method} {path} answered {r.status_code} {r.text[:300]}")
    return problems


CURL_WRAPPER = r'''
curl() {  # the real curl; each call's status goes to $EXAMPLE_LOG, its body to stdout
  local out; out=$(mktemp)
  command curl -sS -o "$out" -w '%{http_code}\n' "$@" >> "$EXAMPLE_LOG"
  jq -r '.messageId // .id // empty' < "$out" > "$EXAMPLE_LAST_ID.new" 2>/dev/null \
    && [ -s "$EXAMPLE_LAST_ID.new" ] && mv "$EXAMPLE_LAST_ID.new" "$EXAMPLE_LAST_ID"
  cat "$out"; rm -f "$out"
}
'''


def _run_curl(block: Block, server: dict) -> list[str]:
    workdir: Path = server["workdir"]
    log, last_id = workdir / "statuses.log", workdir / "last_id"
    log.write_text("")
    script = _as_served(block.text, server)
    script = re.sub(r"^SPACE=<API space id>\s+KEY=<API key>$", "", script, flags=re.M)  # set below
    script = script.replace("<id>", '$(cat "$EXAMPLE_LAST_ID")')  # "the id the call before answered"
    env = {
        **os.environ,
        "BASE": server["base"],
        "API": server["base"],
        "ONECAST": server["base"],
        "SPACE": server["space"],
        "KEY": server["key"],
        "ONECAST_KEY": server["key"],
        "AUTH": f"Authorization: Bearer {server['key']}",
        "EXAMPLE_LOG": str(log),
        "EXAMPLE_LAST_ID": str(last_id),
    }
    ran = subprocess.run(
        ["bash", "-c", CURL_WRAPPER + script], cwd=workdir, env=env, capture_output=True, text=True, timeout=300
    )
    got = [int(line) for line in log.read_text().split()]
    expected = curl_expectations(block)
    if len(got) != len(expected):
        return [f"{block.where}: {len(expected)} curl calls documented, {len(got)} ran: {ran.stderr[-500:]}"]
    problems = []
    for number, (status, wanted) in enumerate(zip(got, expected), start=1):
        if (wanted is None and not 200 <= status < 300) or (wanted is not None and status != wanted):
            problems.append(
                f"{block.where}: curl call {number} answered {status}, documented "
                f"{wanted or '2xx'}; output: {ran.stdout[-800:]} {ran.stderr[-300:]}"
            )
    return problems


def test_every_block_is_a_request_example_or_listed_with_a_reason():
    unlisted = [
        f"{b.where} ({b.lang}): {b.first_line[:80]}"
        for b in blocks()
        if not (b.is_curl or b.is_http) and (b.file, b.first_line) not in NOT_REQUESTS
    ]
    assert unlisted == [], "a new block: make it a runnable request example or list it in NOT_REQUESTS"
    stale = set(NOT_REQUESTS) | set(CANNOT_RUN)
    stale -= {(b.file, b.first_line) for b in blocks()}
    assert stale == set(), "listed blocks that are no longer in the docs"


def test_every_request_example_runs_against_a_real_server(server):
    if shutil.which("jq") is None or shutil.which("curl") is None:
        pytest.skip("the documented examples use curl and jq")
    examples = [b for b in blocks() if (b.is_curl or b.is_http) and (b.file, b.first_line) not in CANNOT_RUN]
    problems, calls = [], 0
    for block in examples:  # in document order: a page's later examples use what its earlier ones made
        if block.is_curl:
            calls += len(curl_expectations(block))
            problems += _run_curl(block, server)
        else:
            calls += len(http_requests(block)[2])
            problems += _run_http(block, server)
    assert problems == [], "\n".join(problems)
    print(
        f"\n{len(examples)} request examples ({calls} requests) of README.md and docs/*.md ran; "
        f"{len(CANNOT_RUN)} could not"
    )
    assert len(examples) >= 20 and calls >= 30  # the extraction still finds the examples
