"""The CLI and `onecast serve` end to end, as the README uses them."""
import json
import os
import re
import socket
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from onecast.cli import app as cli

runner = CliRunner()


def _env(database_url):
    return {**os.environ, "ONECAST_DATABASE_URL": database_url}


def test_spaces_keys_and_send(database_url):
    env = {"ONECAST_DATABASE_URL": database_url}
    r = runner.invoke(cli, ["spaces", "create", "cli-space", "--json"], env=env)
    assert r.exit_code == 0, r.output
    created = json.loads(r.output.strip().splitlines()[-1])
    assert set(created) == {"apiSpaceId", "apiKey"} and created["apiKey"].startswith("onecast_")

    r = runner.invoke(cli, ["keys", "create", created["apiSpaceId"], "--json"], env=env)
    assert r.exit_code == 0, r.output
    assert json.loads(r.output.strip().splitlines()[-1])["apiKey"] != created["apiKey"]
    r = runner.invoke(cli, ["keys", "create", "no-such-space"], env=env)
    assert r.exit_code == 1

    r = runner.invoke(cli, ["send", "--space", created["apiSpaceId"], "--phone", "447700900900",
                            "--body", "from the shell"], env=env)
    assert r.exit_code == 0, r.output
    sent = json.loads(r.output[r.output.index("{"):])
    assert sent["status"] == "delivered" and sent["body"] == "from the shell"

    r = runner.invoke(cli, ["send", "--space", created["apiSpaceId"], "--phone", "1", "--body", "x"], env=env)
    assert r.exit_code == 2


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_bootstraps_prints_a_key_and_delivers(tmp_path):
    """What `make run` does on a fresh machine: migrate, create a space and key, serve API + worker."""
    url = f"sqlite:///{tmp_path}/fresh.db"
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "onecast.cli", "serve", "--port", str(port)],
                            env={**_env(url), "COLUMNS": "400"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        lines, key, space = [], None, None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (key and any("listening" in line for line in lines)):
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if m := re.search(r"Created API space\s+(\S+)", line):
                space = m.group(1)
            if m := re.search(r"(onecast_[A-Za-z0-9_-]{20,})", line):
                key = m.group(1)
        assert key and space, "".join(lines)
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {key}"}
        for _ in range(100):
            try:
                httpx.get(base + "/openapi.json", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        r = httpx.post(f"{base}/apispaces/{space}/messages", headers=headers,
                       json={"to": {"phoneNumber": "447700900123"}, "body": "Hello", "rules": ["sms"]})
        assert r.status_code == 201, r.text
        mid = r.json()["messageId"]
        status = None
        for _ in range(100):
            status = httpx.get(f"{base}/apispaces/{space}/messages/{mid}", headers=headers).json()["status"]
            if status == "delivered":
                break
            time.sleep(0.1)
        assert status == "delivered"
    finally:
        proc.terminate()
        proc.wait(20)
    # a restart keeps everything: the same key still reads the delivered message
    proc = subprocess.Popen([sys.executable, "-m", "onecast.cli", "serve", "--port", str(port)],
                            env=_env(url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        got = None
        for _ in range(100):
            try:
                got = httpx.get(f"{base}/apispaces/{space}/messages/{mid}", headers=headers, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert got is not None and got.json()["status"] == "delivered"
    finally:
        proc.terminate()
        proc.wait(20)
