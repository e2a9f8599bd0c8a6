"""Every console page loads in Chromium without console errors; logins, sessions and CSRF."""
from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

PAGES = ["keys", "channels", "messages", "profiles", "sandbox", "webhooks", "analytics", "chats"]


def test_every_page_loads_without_console_errors(page, console):
    page.login(console)
    page.shot("spaces")
    expect(page.page.locator("#spaces")).to_contain_text(console.space_id)
    for name in PAGES:
        page.goto(f"/console/spaces/{console.space_id}/{name}")
        expect(page.page.locator("h1")).to_be_visible()
        page.shot(name)
    page.goto("/console/spaces/" + console.space_id + "/channels?provider=email_smtp")
    expect(page.page.locator("#new-channel")).to_contain_text("SMTP host")
    page.goto("/console/spaces/" + console.space_id + "/analytics?days=1")
    page.goto("/console/spaces/" + console.space_id + "/profiles?q=" + "email%3D~%40example.com")


def test_pages_need_a_login(page, console):
    page.page.goto(console.base + f"/console/spaces/{console.space_id}/messages")
    expect(page.page).to_have_url(re.compile(r"/console/login$"))
    page.page.locator("#login-user").get_by_label("User name").fill("admin")
    page.page.locator("#login-user").get_by_label("Password").fill("wrong password")
    page.allow("status of 401")  # the wrong password's answer
    page.page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.page.get_by_role("alert")).to_contain_text("Wrong user name or password")


def test_api_key_login_opens_only_its_space(page, console):
    page.goto("/console/login")
    page.page.locator("#login-key").get_by_label("API key").fill(console.api_key)
    page.page.get_by_role("button", name="Log in with key").click()
    page.page.wait_for_url(re.compile(rf"/console/spaces/{console.space_id}/messages$"))
    page.goto("/console/spaces")
    expect(page.page.locator("#spaces tr")).to_have_count(2)  # the header and its own space
    expect(page.page.get_by_role("button", name="Create space")).to_have_count(0)
    page.allow("status of 404")  # asserted below
    response = page.page.goto(console.base + "/console/spaces/00000000-0000-0000-0000-000000000000/messages")
    assert response.status == 404


def test_session_cookie_and_csrf(console):
    with httpx.Client(base_url=console.base) as client:
        form = client.get("/console/login")
        cookie = form.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax") and "Path=/console" in cookie
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        refused = client.post("/console/login", data={"username": "admin", "password": console.password})
        assert refused.status_code == 403
        forged = client.post("/console/login", data={"csrf_token": "x" * 43, "username": "admin",
                                                     "password": console.password})
        assert forged.status_code == 403
        ok = client.post("/console/login", data={"csrf_token": token, "username": "admin", "password": console.password})
        assert ok.status_code == 303 and ok.headers["location"] == "/console/spaces"
        # Logged in, a write still needs the session's token (a cross-site form cannot send it).
        assert client.post(f"/console/spaces/{console.space_id}/keys", data={"name": "x"}).status_code == 403
        spaces = client.get("/console/spaces")
        assert spaces.status_code == 200 and console.space_id in spaces.text
        fresh = re.search(r'name="csrf_token" value="([^"]+)"', spaces.text).group(1)
        assert fresh != token  # a new token at login
        made = client.post(f"/console/spaces/{console.space_id}/keys", headers={"X-CSRF-Token": fresh},
                           data={"name": "via header"})
        # POST, redirect, GET: the new key is shown once by the page it leads to; a reload shows
        # it no more and creates no second key.
        assert made.status_code == 303 and made.headers["location"] == f"/console/spaces/{console.space_id}/keys"
        shown = client.get(made.headers["location"])
        assert "via header" in shown.text and 'id="new-key"' in shown.text
        again = client.get(made.headers["location"])
        assert 'id="new-key"' not in again.text and again.text.count("<td>via header</td>") == 1
    paths = httpx.get(console.base + "/openapi.json", timeout=60).json()["paths"]
    assert not [p for p in paths if p.startswith("/console")]
