"""Per-channel text limits (WhatsApp text.body and Telegram text 4096, Messenger 2000): split into
consecutive messages on Telegram and Messenger, refused at accept time on WhatsApp. The peers
refuse over-long texts as the vendors document."""

import pytest

from onecast.channels.text_limits import split_text, units
from tests.channels.messenger.conftest import add_messenger
from tests.channels.vendor_helpers import add_channel, message, send
from tests.peers.graph_api import GraphApiPeer
from tests.peers.telegram_bot_api import TelegramPeer

LONG = " ".join(f"word{i:04d}" for i in range(560))  # 5,039 characters


@pytest.fixture
def graph():
    peer = GraphApiPeer().start()
    yield peer
    peer.stop()


async def test_telegram_splits_a_long_text_into_consecutive_messages(space, deliver):
    bot = TelegramPeer().start()
    try:
        await add_channel(space, "tg", "telegram", "telegram", {"botToken": bot.token, "baseUrl": bot.url})
        mid = await send(space, to={"telegramChatId": "42"}, body=LONG, rules=["tg"])
        await deliver(space)
        texts = [fields["text"] for _, fields, _ in bot.calls("sendMessage")]
        assert len(texts) == 2 and all(len(t) <= 4096 for t in texts) and " ".join(texts) == LONG
        got = await message(space, mid)
        assert got["status"] == "sent" and len(got["statusHistory"][-1]["details"]["providerMessageIds"]) == 2
    finally:
        bot.stop()


async def test_messenger_splits_at_2000(space, graph, deliver):
    await add_messenger(space, graph)
    mid = await send(space, to={"fbMessengerId": "2468"}, body=LONG, rules=["fb"])
    await deliver(space)
    texts = [c.json["message"]["text"] for c in graph.sent("messenger")]
    assert len(texts) == 3 and all(len(t) <= 2000 for t in texts) and " ".join(texts) == LONG
    assert (await message(space, mid))["status"] == "sent"


async def test_whatsapp_refuses_a_long_text_at_accept_time_naming_the_limit(space, graph):
    await add_channel(
        space,
        "wa",
        "whatsApp",
        "whatsapp_cloud",
        {
            "phoneNumberId": graph.phone_number_id,
            "accessToken": graph.wa_token,
            "appSecret": "s",
            "verifyToken": "v",
            "baseUrl": graph.url,
        },
    )
    r = await space.post("/messages", json={"to": {"phoneNumber": "447700900123"}, "body": LONG, "rules": ["wa"]})
    assert r.status_code == 400
    problem = r.json()
    assert problem["code"] == "TextTooLong" and problem["errors"][0]["field"] == "body"
    assert "4096" in problem["detail"] and str(len(LONG)) in problem["detail"]
    # from text parts, the field is messageParts; exactly 4096 is accepted (a template send checks no text)
    r = await space.post(
        "/messages",
        json={
            "to": {"phoneNumber": "447700900123"},
            "rules": ["wa"],
            "messageParts": [{"type": "text/plain", "data": LONG}],
        },
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "messageParts"
    assert graph.sent() == []


def test_split_counts_utf16_units_and_prefers_spaces():
    emoji = "😀" * 3000  # 6,000 UTF-16 units
    pieces = split_text(emoji, 4096)
    assert [units(p) for p in pieces] == [4096, 1904] and "".join(pieces) == emoji
    assert split_text("aaa bbb ccc", 8) == ["aaa bbb", "ccc"]
    assert split_text("short", 4096) == ["short"]
