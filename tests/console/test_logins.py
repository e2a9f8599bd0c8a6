"""Console logins against a real `onecast serve`: `onecast console-user` ends a user's logins at
once (disable, password), a copied cookie dies with logout in Chromium, and a locked account
says in the page when to retry. httpx clients speak from their own loopback address (the server
throttles per address too, and the browser tests share 127.0.0.1)."""
from __future__ import annotations

import asyncio
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from playwright.sync_api import expect

NEW_PASSWORD = "a much better passphrase"


def _client(console, address: str) -> httpx.Client:
    return httpx.Client(base_url=console.base, transport=httpx.HTTPTransport(local_address=address))


def _login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    form = client.get("/console/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    return client.post("/console/login", data={"csrf_token": csrf, "username": username, "password": password})


def _logged_in(client: httpx.Client) -> bool:
    answer = client.get("/console/spaces")
    assert answer.status_code in (200, 303)
    return answer.status_code == 200


def test_console_user_commands_end_logins_at_once(console):
    name = f"ops-{uuid.uuid4().hex[:8]}"
    assert console.cli("console-user", "create", name, "--password", console.password).returncode == 0
    with _client(console, "127.0.0.21") as laptop, _client(console, "127.0.0.22") as phone:
        for client in (laptop, phone):
            assert _login(client, name, console.password).status_code == 303 and _logged_in(client)
        listed = console.cli("console-user", "list").stdout
        assert re.search(rf"^{name}\t.*\tenabled\t2 live login\(s\)$", listed, re.M), listed

        disabled = console.cli("console-user", "disable", name)
        assert disabled.returncode == 0 and "2 login(s) ended" in disabled.stdout
        assert not _logged_in(laptop) and not _logged_in(phone)
        refused = _login(laptop, name, console.password)
        assert refused.status_code == 401 and "disabled" in refused.text
        assert re.search(rf"^{name}\t.*\tdisabled since ", console.cli("console-user", "list").stdout, re.M)

        assert console.cli("console-user", "enable", name).returncode == 0
        assert _login(laptop, name, console.password).status_code == 303 and _logged_in(laptop)
        changed = console.cli("console-user", "password", name, "--password", NEW_PASSWORD)
        assert changed.returncode == 0 and "1 login(s) ended" in changed.stdout
        assert not _logged_in(laptop)
        assert _login(phone, name, console.password).status_code == 401
        assert _login(phone, name, NEW_PASSWORD).status_code == 303 and _logged_in(phone)

    short = console.cli("console-user", "password", name, "--password", "short")
    assert short.returncode == 1 and "at least 8 characters" in short.stderr
    missing = console.cli("console-user", "disable", f"nobody-{name}")
    assert missing.returncode == 1 and "not found" in missing.stderr


def test_a_cookie_copied_from_the_browser_dies_with_logout(browser, page, console):
    page.login(console)
    thief = browser.new_context()
    try:
        thief.add_cookies(page.page.context.cookies())
        stolen = thief.new_page()
        stolen.goto(console.base + "/console/spaces")
        expect(stolen.locator("#spaces")).to_contain_text(console.space_id)  # the copy works while logged in
        page.page.get_by_role("button", name="Log out").click()
        page.page.wait_for_url(re.compile(r"/console/login$"))
        stolen.goto(console.base + "/console/spaces")
        expect(stolen).to_have_url(re.compile(r"/console/login$"))
    finally:
        thief.close()


def _prolong_lock(console, username: str) -> None:
    """What eight more failures, each after the lock before it ran out, would have done (a lock
    of 15 minutes), without waiting those locks out. In a thread: Playwright's loop is this one's."""
    from sqlalchemy import update

    from onecast.config import database_url_for
    from onecast.console.models import ConsoleLoginFailures
    from onecast.kit.clock import utcnow
    from onecast.kit.db import Database

    async def main() -> None:
        db = Database(database_url_for(console.env["ONECAST_DATABASE_URL"]))
        try:
            async with db.transaction() as session:
                await session.execute(update(ConsoleLoginFailures).where(ConsoleLoginFailures.key == username)
                                      .values(failures=14, last_attempt_on=utcnow()))
        finally:
            await db.dispose()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, main()).result()


def test_a_locked_account_says_when_to_retry(page, console):
    name = f"locked-{uuid.uuid4().hex[:8]}"
    assert console.cli("console-user", "create", name, "--password", console.password).returncode == 0
    with _client(console, "127.0.0.23") as attacker:
        assert [_login(attacker, name, f"guess {n}").status_code for n in range(6)] == [401] * 5 + [429]
    _prolong_lock(console, name)
    page.goto("/console/login")
    form = page.page.locator("#login-user")
    form.get_by_label("User name").fill(name)
    form.get_by_label("Password").fill(console.password)  # the right one: refused while locked
    page.allow("status of 429")
    form.get_by_role("button", name="Log in").click()
    alert = page.page.get_by_role("alert")
    expect(alert).to_contain_text("Too many failed logins")
    expect(alert).to_contain_text(re.compile(r"try again in 1\d min \d+ s \(after \d\d:\d\d:\d\d UTC\)"))
    page.shot("locked")
