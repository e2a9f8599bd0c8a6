"""The agent inbox, live: a visitor's message reaches the open chat page over the WebSocket,
and the agent's reply from the page is stored in the chat."""
from __future__ import annotations

import httpx
from playwright.sync_api import expect


def _visitor_session(api: httpx.Client, space_id: str, visitor: str) -> dict[str, str]:
    """The session handshake of an anonymous app user (as the JS SDK does it)."""
    challenge = api.get(f"/apispaces/{space_id}/sessions/start").json()
    anon = api.get(f"/apispaces/{space_id}/sessions/tokens/anon", params={"id": visitor, "nonce": challenge["nonce"]})
    r = api.post(f"/apispaces/{space_id}/sessions", json={
        "authenticationId": challenge["authenticationId"], "authenticationToken": anon.json()["token"],
        "deviceId": "visitor-device", "platform": "javascript", "sdkType": "native"})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}", "profile": r.json()["session"]["profileId"]}


def test_agent_inbox_live(page, console):
    sid, p = console.space_id, page.page
    key = {"Authorization": f"Bearer {console.api_key}"}
    with httpx.Client(base_url=console.base, timeout=10) as api:
        r = api.put(f"/apispaces/{sid}/chat/config/teams/helpdesk", headers=key,
                    json={"name": "Helpdesk", "members": [{"username": console.username}]})
        assert r.status_code == 200, r.text
        visitor = _visitor_session(api, sid, "inbox-visitor")
        r = api.post(f"/apispaces/{sid}/chats", headers=key, json={
            "name": "Visitor asks", "teamId": "helpdesk", "channelId": "appMessaging",
            "participants": [{"id": visitor["profile"], "role": "participant"}]})
        assert r.status_code == 201, r.text
        chat = r.json()

        page.login(console)
        page.goto(f"/console/spaces/{sid}/chats")
        row = p.locator(f"#chat-list tr[data-chat-id='{chat['id']}']")
        expect(row).to_contain_text("new")
        row.get_by_role("link", name="Visitor asks").click()
        p.get_by_role("button", name="Assign to me").click()
        expect(p.get_by_role("status")).to_contain_text("Assigned to you")
        expect(p.locator("#chat-agent")).to_have_text(console.username)
        messages = p.locator("#chat-messages")
        expect(messages).to_have_attribute("data-live", "yes")  # the agent's socket is open

        # The visitor writes while the page is open: it appears without a reload.
        r = api.post(f"/apispaces/{sid}/conversations/{chat['context']['conversationId']}/messages",
                     headers={"Authorization": visitor["Authorization"]},
                     json={"parts": [{"type": "text/plain", "data": "Is my order shipped?"}]})
        assert r.status_code in (200, 201), r.text
        url = p.url
        expect(messages.locator(".bubble.in")).to_contain_text("Is my order shipped?")
        assert p.url == url
        page.shot("visitor-message")

        p.get_by_label("reply").fill("Yes, it left this morning")
        p.get_by_role("button", name="Send reply").click()
        expect(messages.locator(".bubble.out")).to_contain_text("Yes, it left this morning")
        expect(p.get_by_label("reply")).to_have_value("")
        stored = api.get(f"/apispaces/{sid}/chats/{chat['id']}/messages", headers=key).json()["messages"]
        reply = next(m for m in stored if m["parts"][0]["data"] == "Yes, it left this morning")
        assert reply["context"]["from"]["id"] == console.username
        assert api.get(f"/apispaces/{sid}/chats/{chat['id']}", headers=key).json()["status"] == "replied"

        # The list shows the last message and the status; closing moves the chat to closed.
        page.goto(f"/console/spaces/{sid}/chats")
        expect(row).to_contain_text("Yes, it left this morning")
        expect(row).to_contain_text("replied")
        row.get_by_role("link", name="Visitor asks").click()
        forged = p.request.post(f"{console.base}/console/spaces/{sid}/chats/{chat['id']}/close", max_redirects=0)
        assert forged.status == 403  # the logged-in browser's cookie, but no CSRF token
        p.get_by_role("button", name="Close chat").click()
        expect(p.locator("#chat-status")).to_have_text("closed")
        assert api.get(f"/apispaces/{sid}/chats/{chat['id']}", headers=key).json()["status"] == "closed"
        page.shot("closed")
