"""Attacks on console logins (issue 16, items 4, 6 and 8): guessing passwords without end, stalling
every tenant's API with argon2 checks, and console credentials that outlive a logout, a password
change or disabling the user. Each client speaks from its own address (ASGI `client`), as distinct
attackers and victims would. The throttle's and sessions' tables are imported inside the tests
that read them: against code without them, each test fails on its own behaviour."""
from __future__ import annotations

import asyncio
import re
import time
import uuid
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest
import structlog
from sqlalchemy import select, update

from onecast.console import login_pages, users
from onecast.console.models import ConsoleUser
from onecast.kit.clock import utcnow
from tests.conftest import app_with, new_space

PASSWORD = "correct horse battery"
WRONG = "wrong horse battery"


def _address() -> str:
    raw = uuid.uuid4().bytes
    return f"10.{raw[0]}.{raw[1]}.{raw[2]}"


@asynccontextmanager
async def browser(app, address: str | None = None):
    """A client of the console from one address, holding its cookies like a browser."""
    transport = httpx.ASGITransport(app=app, client=(address or _address(), 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://onecast.test") as client:
        yield client


async def _csrf(client: httpx.AsyncClient, path: str = "/console/login") -> str:
    form = await client.get(path)
    assert form.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)


async def logout(client: httpx.AsyncClient) -> None:
    answer = await client.post("/console/logout", data={"csrf_token": await _csrf(client, "/console/spaces")})
    assert answer.status_code == 303


async def login(client: httpx.AsyncClient, username: str = "", password: str = "", api_key: str = "") -> httpx.Response:
    data = {"csrf_token": await _csrf(client), "username": username, "password": password, "api_key": api_key}
    return await client.post("/console/login", data=data)


async def _user(app, password: str = PASSWORD) -> str:
    name = f"ops-{uuid.uuid4().hex[:10]}"
    async with app.state.db.transaction() as session:
        await users.create_user(session, name, password)
    return name


async def _failures(app, scope: str, key: str):
    from onecast.console.models import ConsoleLoginFailures

    async with app.state.db.read() as session:
        return await session.get(ConsoleLoginFailures, (scope, key))


async def _let_lock_run_out(app, scope: str, key: str) -> None:
    """What waiting out the longest lock would do, without the wait: the last attempt moves back."""
    from onecast.console import login_throttle
    from onecast.console.models import ConsoleLoginFailures

    async with app.state.db.transaction() as session:
        await session.execute(update(ConsoleLoginFailures).where(
            ConsoleLoginFailures.scope == scope, ConsoleLoginFailures.key == key).values(
            last_attempt_on=utcnow() - timedelta(seconds=login_throttle.MAX_LOCK + 1)))


def _retry_after(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text[:300]
    assert "Too many failed logins" in response.text and "try again in" in response.text
    return int(response.headers["Retry-After"])


async def test_thirty_wrong_passwords_lock_the_account_and_the_right_one_waits(app):
    name = await _user(app)
    async with browser(app) as attacker:
        answers = [(await login(attacker, name, f"{WRONG} {n}")).status_code for n in range(30)]
        assert answers == [401] * 5 + [429] * 25
        locked = await login(attacker, name, PASSWORD)
        assert 1 <= _retry_after(locked) <= 2
    async with browser(app) as owner:  # the lock is the account's, whatever the address
        assert (await login(owner, name, PASSWORD)).status_code == 429
        await _let_lock_run_out(app, "user", name)
        ok = await login(owner, name, PASSWORD)
        assert ok.status_code == 303 and ok.headers["location"] == "/console/spaces"
    assert await _failures(app, "user", name) is None  # the right password starts the count afresh


async def test_locks_grow_with_each_failure_up_to_fifteen_minutes(app):
    name = await _user(app)
    async with browser(app) as attacker:
        for _ in range(5):
            assert (await login(attacker, name, WRONG)).status_code == 401
        waits = [_retry_after(await login(attacker, name, WRONG))]
        for _ in range(3):
            await _let_lock_run_out(app, "user", name)
            assert (await login(attacker, name, WRONG)).status_code == 401
            waits.append(_retry_after(await login(attacker, name, WRONG)))
        assert [w <= 2 ** n for n, w in enumerate(waits, start=1)] == [True] * 4
        assert [w > 2 ** (n - 1) for n, w in enumerate(waits, start=1)] == [True] * 4
        from onecast.console.models import ConsoleLoginFailures

        async with app.state.db.transaction() as session:
            await session.execute(update(ConsoleLoginFailures).where(ConsoleLoginFailures.key == name)
                                  .values(failures=40, last_attempt_on=utcnow()))
        assert 890 <= _retry_after(await login(attacker, name, PASSWORD)) <= 900


async def test_guessing_many_names_from_one_address_locks_that_address(app):
    name, address = await _user(app), _address()
    async with browser(app, address) as attacker:
        for n in range(10):
            assert (await login(attacker, f"nobody-{n}-{name}", WRONG)).status_code == 401
        _retry_after(await login(attacker, name, PASSWORD))  # even a right password, from there
    async with browser(app) as elsewhere:
        assert (await login(elsewhere, name, PASSWORD)).status_code == 303


async def test_guessing_api_keys_is_throttled_per_address(app, anon):
    space = await new_space(app, anon, "console-keys")
    async with browser(app) as attacker:
        for n in range(10):
            refused = await login(attacker, api_key=f"ock_guess_{n}_{uuid.uuid4().hex}")
            assert refused.status_code == 401 and "not valid" in refused.text
        _retry_after(await login(attacker, api_key=space.key))
    async with browser(app) as owner:
        assert (await login(owner, api_key=space.key)).status_code == 303


async def test_parallel_guesses_cannot_slip_past_the_lock(app):
    """Twenty guesses at once, from twenty addresses: only the five free ones are checked."""
    name = await _user(app)
    clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(_address(), 40000)),
                                 base_url="http://onecast.test") for _ in range(20)]
    try:
        answers = await asyncio.gather(*(login(client, name, f"{WRONG} {n}") for n, client in enumerate(clients)))
    finally:
        for client in clients:
            await client.aclose()
    assert sorted(a.status_code for a in answers) == [401] * 5 + [429] * 15


async def test_the_count_is_shared_by_every_api_process(app, settings):
    """Two apps on one database, as two `onecast api` processes behind a load balancer."""
    name = await _user(app)
    async with app_with(settings) as second, browser(app) as first:
        for n in range(5):
            assert (await login(first if n % 2 else second, name, WRONG)).status_code == 401
        _retry_after(await login(first, name, PASSWORD))
        _retry_after(await login(second, name, PASSWORD))


async def test_every_failure_is_logged_with_name_and_address_never_the_secret(app, monkeypatch):
    captured = structlog.testing.CapturingLogger()
    monkeypatch.setattr(login_pages, "log", captured, raising=False)
    name, address = await _user(app), _address()
    async with browser(app, address) as client:
        for n in range(6):
            await login(client, name, f"secret-guess-{n}")
        await login(client, api_key="ock_secret_key_guess")
        assert (await login(client, name, PASSWORD)).status_code == 429
    failures = [c.kwargs for c in captured.calls if c.args == ("console_login_failed",)]
    assert [f["reason"] for f in failures] == ["wrong_password"] * 5 + ["locked", "bad_api_key", "locked"]
    assert all(f["address"] == address for f in failures)
    assert [f.get("username") for f in failures if f["method"] == "password"] == [name] * 7
    assert failures[0]["username"] == name and failures[5]["retry_after"] >= 1
    logged = repr(captured.calls)
    assert "secret-guess" not in logged and "ock_secret_key_guess" not in logged and PASSWORD not in logged


async def test_password_checks_do_not_stall_another_tenants_api(app, anon):
    """Twenty wrong logins at once (argon2: ~64 MiB and a fraction of a second each) while another
    tenant reads a profile: the read is not queued behind them."""
    tenant = await new_space(app, anon, "busy-neighbour")
    assert (await tenant.post("/profiles", json={"id": "p1", "name": "Ada"})).status_code == 201
    clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(_address(), 40000)),
                                 base_url="http://onecast.test") for _ in range(20)]
    try:
        tokens = [await _csrf(client) for client in clients]
        guesses = [asyncio.create_task(client.post("/console/login", data={
            "csrf_token": token, "username": f"ghost-{uuid.uuid4().hex}", "password": WRONG}))
            for client, token in zip(clients, tokens)]
        await asyncio.sleep(0.05)  # the guesses are being checked
        started = time.monotonic()
        read = await tenant.get("/profiles/p1")
        elapsed = time.monotonic() - started
        answers = await asyncio.gather(*guesses)
    finally:
        for client in clients:
            await client.aclose()
    assert read.status_code == 200
    assert [a.status_code for a in answers] == [401] * 20
    assert elapsed < 1.0, f"another tenant's read took {elapsed:.2f} s while logins were checked"


async def test_a_cookie_copied_before_logout_no_longer_works(app, settings):
    name = await _user(app)
    async with browser(app) as owner, browser(app) as thief, app_with(settings) as restarted:
        assert (await login(owner, name, PASSWORD)).status_code == 303
        thief.cookies = httpx.Cookies(owner.cookies)
        restarted.cookies = httpx.Cookies(owner.cookies)
        assert (await thief.get("/console/spaces")).status_code == 200
        # Kept in the database: another API process (or this one after a restart) knows the login.
        assert (await restarted.get("/console/spaces")).status_code == 200
        await logout(owner)
        assert (await owner.get("/console/spaces")).headers.get("location") == "/console/login"
        for copy in (thief, restarted):
            stolen = await copy.get("/console/spaces")
            assert stolen.status_code == 303 and stolen.headers["location"] == "/console/login"
    from onecast.console.models import ConsoleSession

    async with app.state.db.read() as session:
        assert (await session.execute(select(ConsoleSession).join(ConsoleUser, ConsoleUser.id == ConsoleSession.user_id)
                                      .where(ConsoleUser.username == name))).first() is None


async def _agent_token(client: httpx.AsyncClient, space_id: str) -> str:
    """The app-user session token the agent inbox opens its socket with."""
    chats = await client.get(f"/console/spaces/{space_id}/chats")
    assert chats.status_code == 200
    return re.search(r"socket\?token=([^\"&]+)", chats.text).group(1)


async def _agent_token_works(anon: httpx.AsyncClient, space, token: str) -> bool:
    answer = await anon.get(space.path("/conversations"), headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code in (200, 401)
    return answer.status_code == 200


async def _logged_in_agent(app, anon: httpx.AsyncClient, client: httpx.AsyncClient):
    """A new user logged in with `client`, who opened the agent inbox of a new space:
    (space, user name, the inbox's app-user token)."""
    space = await new_space(app, anon, "agent-inbox")
    name = await _user(app)
    assert (await login(client, name, PASSWORD)).status_code == 303
    token = await _agent_token(client, space.space_id)
    assert await _agent_token_works(anon, space, token)
    return space, name, token


async def test_logout_ends_the_agent_session_its_chat_pages_were_given(app, anon):
    async with browser(app) as owner:
        space, _name, token = await _logged_in_agent(app, anon, owner)
        await logout(owner)
    assert not await _agent_token_works(anon, space, token)


async def test_a_password_change_ends_every_login_of_the_user(app, anon):
    async with browser(app) as laptop, browser(app) as phone, browser(app) as other_user:
        space, name, token = await _logged_in_agent(app, anon, phone)
        other = await _user(app)
        for client, who in ((laptop, name), (other_user, other)):
            assert (await login(client, who, PASSWORD)).status_code == 303
        async with app.state.db.transaction() as session:
            assert await users.change_password(session, name, "a brand new password") == 2
        for client in (laptop, phone):
            assert (await client.get("/console/spaces")).headers.get("location") == "/console/login"
        assert (await other_user.get("/console/spaces")).status_code == 200  # only that user's logins
        assert not await _agent_token_works(anon, space, token)
        assert (await login(laptop, name, PASSWORD)).status_code == 401
        assert (await login(laptop, name, "a brand new password")).status_code == 303


async def test_a_disabled_user_is_out_at_once_and_cannot_log_in(app, anon):
    async with browser(app) as client:
        space, name, token = await _logged_in_agent(app, anon, client)
        async with app.state.db.transaction() as session:
            assert await users.set_disabled(session, name, True) == 1
        assert (await client.get("/console/spaces")).headers.get("location") == "/console/login"
        assert not await _agent_token_works(anon, space, token)
        refused = await login(client, name, PASSWORD)
        assert refused.status_code == 401 and "disabled" in refused.text
        wrong = await login(client, name, WRONG)
        assert wrong.status_code == 401 and "disabled" not in wrong.text  # no hint for a guesser
        async with app.state.db.transaction() as session:
            await users.set_disabled(session, name, False)
        assert (await login(client, name, PASSWORD)).status_code == 303


@pytest.mark.parametrize("username", ["\ud800", "x" * 5000, "  ", "é" * 201, "admin\u202e"])
async def test_odd_user_names_are_a_wrong_login_not_an_error(app, username):
    async with browser(app) as client:
        csrf = await _csrf(client)
        # multipart carries what a urlencoded form would mangle (NUL, an unpaired surrogate as bytes)
        answer = await client.post("/console/login", files={
            "csrf_token": (None, csrf), "username": (None, username.encode("utf-8", "surrogatepass")),
            "password": (None, WRONG)})
    assert answer.status_code == 401 and "Wrong user name or password" in answer.text


async def test_a_nul_in_the_user_name_breaks_the_text_rule_not_the_server(app):
    """The text rule of every surface (kit.text): 400 naming the field, never a 500 on PostgreSQL."""
    async with browser(app) as client:
        csrf = await _csrf(client)
        answer = await client.post("/console/login", files={
            "csrf_token": (None, csrf), "username": (None, b"a\x00b"), "password": (None, WRONG)})
    assert answer.status_code == 400, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["body.username"]
