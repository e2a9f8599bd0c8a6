"""A real `onecast serve` on its own database (so its worker never claims other tests' jobs) and
one headless Chromium for the whole session; each test gets a fresh browser context."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.support.processes import running_onecast
from tests.support.testrun import run_sql

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "console"
PASSWORD = "correct horse battery"


@dataclass
class Console:
    base: str
    space_id: str
    api_key: str
    username: str = "admin"
    password: str = PASSWORD
    env: dict = field(default_factory=dict)  # for `onecast` commands on the server's database

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return run_cli(self.env, *args)


@pytest.fixture(scope="package")
def console_database():
    """A PostgreSQL database beside the suite's when it runs on PostgreSQL, else a SQLite file."""
    pg = os.environ.get("ONECAST_TEST_DATABASE_URL")
    if not pg:
        yield f"sqlite:///{tempfile.mkdtemp(prefix='onecast-console-')}/console.db"
        return
    parts = urlsplit(pg)
    name = parts.path.lstrip("/") + "_console"
    admin = urlunsplit(parts._replace(path="/postgres"))
    run_sql(admin, f'CREATE DATABASE "{name}"')
    yield urlunsplit(parts._replace(path="/" + name))
    run_sql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "onecast.cli", *args], env=env, capture_output=True, text=True)


def _cli(env: dict, *args: str) -> str:
    done = run_cli(env, *args)
    done.check_returncode()
    return done.stdout


@pytest.fixture(scope="package")
def console(console_database) -> Console:
    env = {**os.environ, "ONECAST_DATABASE_URL": console_database, "ONECAST_WORKER_POLL_SECONDS": "0.05",
           "ONECAST_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",  # the tests' receivers and peers
           "ONECAST_SECRET_KEY_FILE": os.path.join(tempfile.mkdtemp(prefix="onecast-console-key-"), "key")}
    _cli(env, "migrate")
    space = json.loads(_cli(env, "spaces", "create", "console-tests", "--json").strip().splitlines()[-1])
    _cli(env, "console-user", "create", "admin", "--password", PASSWORD)
    with running_onecast("serve", console_database, ready="/console/login", env=env) as server:
        yield Console(server.base, space["apiSpaceId"], space["apiKey"], env=env)


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    assert os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing: `make install` installs it (as root)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


class Page:
    """A Playwright page that records console errors and failed page scripts, and takes screenshots."""

    def __init__(self, page, base: str, name: str) -> None:
        self.page, self.base, self.name = page, base, name
        self.errors: list[str] = []
        self.allowed: list[str] = []  # substrings of errors a test provokes on purpose
        page.on("console", lambda msg: self.errors.append(f"{msg.type}: {msg.text}") if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.set_default_timeout(15_000)

    def allow(self, text: str) -> None:
        self.allowed.append(text)

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in self.allowed)]

    def goto(self, path: str):
        response = self.page.goto(self.base + path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        return response

    def shot(self, label: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{label}.png"), full_page=True)

    def login(self, console: Console) -> None:
        self.goto("/console/login")
        form = self.page.locator("#login-user")
        form.get_by_label("User name").fill(console.username)
        form.get_by_label("Password").fill(console.password)
        form.get_by_role("button", name="Log in").click()
        self.page.wait_for_url(re.compile(r"/console/spaces$"))


@pytest.fixture
def page(browser, console, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    wrapped = Page(context.new_page(), console.base, request.node.name)
    yield wrapped
    context.close()
    assert wrapped.unexpected_errors() == [], f"console errors: {wrapped.errors}"
