"""What the console got wrong as a product (issue 21, "Broken today"), clicked through in Chromium:
a refused htmx action shows its error in place (never a nested console), a reply to a chat closed
elsewhere is refused visibly while the header follows live, blank replies are not sent, the message
page follows the status without a reload, opening Chats makes no profile, and notices live with the
login, not in the URL."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.console.test_inbox import _visitor_session
from tests.support.processes import wait_until as wait_for


@pytest.fixture
def api(console):
    with httpx.Client(
        base_url=f"{console.base}/apispaces/{console.space_id}",
        timeout=15,
        headers={"Authorization": f"Bearer {console.api_key}"},
    ) as client:
        yield client


def _open_chat(console, api: httpx.Client, team: str, visitor: str) -> dict:
    """A visitor's chat with a team whose member is the console user."""
    r = api.put(f"/chat/config/teams/{team}", json={"name": team.title(), "members": [{"username": console.username}]})
    assert r.status_code == 200, r.text
    with httpx.Client(base_url=console.base, timeout=15) as root:
        profile = _visitor_session(root, console.space_id, visitor)["profile"]
    r = api.post(
        "/chats",
        json={
            "name": visitor,
            "teamId": team,
            "channelId": "appMessaging",
            "participants": [{"id": profile, "role": "participant"}],
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def _on_chat_page(page, console, api: httpx.Client, team: str, visitor: str) -> dict:
    chat = _open_chat(console, api, team, visitor)
    page.login(console)
    page.goto(f"/console/spaces/{console.space_id}/chats/{chat['id']}")
    return chat


def _send(api: httpx.Client, phone: str, text: str) -> str:
    r = api.post("/messages", json={"to": {"phoneNumber": phone}, "body": text, "rules": ["sms"]})
    assert r.status_code == 201, r.text
    return r.json()["messageId"]


def _status(api: httpx.Client, message_id: str) -> str:
    return api.get(f"/messages/{message_id}").json()["status"]


def test_a_refused_sandbox_action_shows_its_error_in_place(page, console, api):
    assert api.put("/sandbox/settings", json={"receipt": "delivered"}).status_code == 200
    message_id = _send(api, "447700900611", "Refuse me in place")
    wait_for(lambda: _status(api, message_id) == "delivered", "delivered")
    p = page.page
    page.login(console)
    page.goto(f"/console/spaces/{console.space_id}/sandbox")
    cards = p.locator("section.device").count()
    phone = p.locator("section.device[data-address$='447700900611']")
    page.allow("422")  # the browser logs the refused request; that is the point
    phone.locator(f".bubble.out[data-message-id='{message_id}']").get_by_role("button", name="Mark failed").click()
    expect(p.locator("#flash [role=alert]")).to_contain_text("delivered")  # why it was refused, once
    expect(p.locator("header")).to_have_count(1)  # no console nested in the card
    assert p.locator("section.device").count() == cards
    assert _status(api, message_id) == "delivered"
    page.shot("refused-in-place")


def test_a_reply_to_a_chat_closed_elsewhere_is_refused_and_the_header_follows(page, console, api):
    chat, p = _on_chat_page(page, console, api, "closers", "closed-elsewhere"), page.page
    p.get_by_role("button", name="Assign to me").click()
    expect(p.locator("#chat-agent")).to_have_text(console.username)
    expect(p.locator("#chat-messages")).to_have_attribute("data-live", "yes")

    # A colleague closes it through the API: the open page's header follows without a reload.
    assert api.put(f"/chats/{chat['id']}/close", json={"bypassMessage": True}).status_code == 200
    expect(p.locator("#chat-status")).to_have_text("closed")
    expect(p.get_by_role("button", name="Close chat")).to_have_count(0)

    page.allow("422")
    p.get_by_label("reply").fill("Are you still there?")
    p.get_by_role("button", name="Send reply").click()
    expect(p.locator("#flash [role=alert]")).to_contain_text("closed")
    expect(p.get_by_label("reply")).to_have_value("Are you still there?")  # not lost
    stored = api.get(f"/chats/{chat['id']}/messages").json()["messages"]
    assert not [m for m in stored if m["parts"][0].get("data") == "Are you still there?"]
    page.shot("closed-elsewhere")


def test_blank_replies_are_not_sent(page, console, api):
    chat, p = _on_chat_page(page, console, api, "blanks", "blank-replies"), page.page
    p.get_by_label("reply").fill("    ")
    p.get_by_role("button", name="Send reply").click()
    # The page refuses it; a request made around the page is refused by the server too.
    csrf = p.locator("#chat-reply input[name=csrf_token]").input_value()
    r = p.request.post(
        f"{console.base}/console/spaces/{console.space_id}/chats/{chat['id']}/reply",
        form={"csrf_token": csrf, "body": " \t "},
        headers={"HX-Request": "true"},
    )
    assert r.status == 422 and "write something" in r.text()
    r = p.request.post(
        f"{console.base}/console/spaces/{console.space_id}/sandbox/reply",
        form={"csrf_token": csrf, "body": "   ", "address": "447700900612", "channel": "sms"},
        headers={"HX-Request": "true"},
    )
    assert r.status == 422 and "write something" in r.text()
    assert api.get(f"/chats/{chat['id']}/messages").json()["messages"] == []
    # An inbound message from that number would have given it a device card in the simulator.
    page.goto(f"/console/spaces/{console.space_id}/sandbox")
    expect(p.locator("section.device[data-address$='447700900612']")).to_have_count(0)


def test_the_message_page_follows_the_status_without_a_reload(page, console, api):
    assert api.put("/sandbox/settings", json={"receipt": "none"}).status_code == 200
    try:
        message_id = _send(api, "447700900613", "Watch me arrive")
        wait_for(lambda: _status(api, message_id) == "sent", "sent")
        p = page.page
        page.login(console)
        page.goto(f"/console/spaces/{console.space_id}/messages/{message_id}")
        expect(p.locator("#message-status")).to_have_text("sent")
        url = p.url
        r = api.post(f"/sandbox/messages/{message_id}/receipts", json={"status": "delivered"})
        assert r.status_code == 200, r.text
        expect(p.locator("#message-status")).to_have_text("delivered")
        expect(p.locator("#timeline tr")).to_have_count(4)  # header, processing, sent, delivered
        assert p.url == url
    finally:
        api.put("/sandbox/settings", json={"receipt": "delivered"})


def test_opening_chats_makes_no_profile_for_the_console_user(page, console, api):
    page.login(console)
    page.goto(f"/console/spaces/{console.space_id}/chats")
    expect(page.page.locator("#chats")).to_have_attribute("data-live", "yes")  # the agent's socket is open
    assert api.get(f"/profiles/{console.username}").status_code == 404


def test_notices_live_with_the_login_not_in_the_url(page, console):
    p = page.page
    page.login(console)
    # A crafted link cannot put its own words in the banner.
    page.goto(f"/console/spaces/{console.space_id}/keys?error=Call+0900+123+456+to+unlock&notice=Pay+now")
    expect(p.locator("#flash")).not_to_contain_text("0900")
    expect(p.locator("#flash")).not_to_contain_text("Pay now")
    # A real notice is shown once: a reload does not bring it back (nor create a second key).
    p.get_by_label("Label").fill("shown once")
    p.get_by_role("button", name="Create key").click()
    expect(p.locator("#new-key")).to_have_text(re.compile(r"^onecast_"))
    assert "?" not in p.url
    p.reload()
    expect(p.locator("#new-key")).to_have_count(0)
    expect(p.locator("#keys tr", has_text="shown once")).to_have_count(1)
