"""The web chat widget in headless Chromium against a running server: a visitor writes, an
agent answers through the API, the visitor sees the answer."""
import os

import httpx
import pytest
from playwright.async_api import async_playwright, expect

from tests.appusers.live import running_api
from tests.conftest import new_space

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def live(database_url):
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: `make install` installs Debian's chromium"
    with running_api(database_url) as base:
        yield base


async def _wait_for_chat(space, timeout: float = 15.0) -> dict:
    """Poll the inbox until the visitor's chat is there."""
    import asyncio

    async with asyncio.timeout(timeout):
        while True:
            chats = (await space.get("/chats")).json()
            if chats:
                return chats[0]
            await asyncio.sleep(0.1)


async def test_visitor_and_agent_talk_through_the_widget(app, live):
    async with httpx.AsyncClient(base_url=live, timeout=30) as client:
        space = await new_space(app, client, "widget")
        await space.put("/chat/config/teams/support", json={"name": "Support Team", "isPublic": True})
        await space.put("/chat/config/teams/support/appMessaging",
                        json={"welcomeMessage": {"text": "Welcome to Support"}})
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                       args=["--no-sandbox", "--disable-dev-shm-usage"])
            try:
                page = await browser.new_page()
                errors = []
                page.on("pageerror", lambda error: errors.append(str(error)))
                await page.goto(f"{live}/chat/widget/widget.html?apiSpaceId={space.space_id}&team=Support%20Team")
                await expect(page.locator(".onecast-widget[data-ready=true]")).to_be_visible(timeout=15_000)
                await page.fill(".onecast-widget input", "Where is my order?")
                await page.press(".onecast-widget input", "Enter")
                await expect(page.locator(".onecast-widget li.mine")).to_contain_text("Where is my order?")

                chat = await _wait_for_chat(space)
                assert chat["teamId"] == "support" and chat["channelId"] == "appMessaging"
                await expect(page.locator(".onecast-widget li.theirs").first).to_contain_text("Welcome to Support")
                r = await space.post(f"/chats/{chat['id']}/messages",
                                     json={"parts": [{"type": "text/plain", "data": "It ships today"}],
                                           "from": {"profileId": "agent-ann"}})
                assert r.status_code == 200, r.text
                answer = page.locator(".onecast-widget li.theirs", has_text="It ships today")
                await expect(answer).to_be_visible(timeout=15_000)
                await expect(answer).to_contain_text("agent-ann")

                # The visitor's browser marked the answer read; the agent sees it.
                async def read_by_visitor() -> bool:
                    page_ = (await space.get(f"/chats/{chat['id']}/messages")).json()
                    last = page_["messages"][0]
                    return any(s["status"] == "read" for s in last["statusUpdates"].values())

                import asyncio
                async with asyncio.timeout(15):
                    while not await read_by_visitor():
                        await asyncio.sleep(0.1)
                # A reload shows the history from the server.
                await page.reload()
                await expect(page.locator(".onecast-widget li")).to_have_count(3, timeout=15_000)
                assert errors == []
            finally:
                await browser.close()


async def test_widget_files_are_served(live):
    async with httpx.AsyncClient(base_url=live) as client:
        r = await client.get("/chat/widget/onecast-client.js")
        assert r.status_code == 200 and "class OnecastClient" in r.text
        assert r.headers["content-type"].startswith("text/javascript")
        assert (await client.get("/chat/widget/..%2Fmodels.py")).status_code == 404
