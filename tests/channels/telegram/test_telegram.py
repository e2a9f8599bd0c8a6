"""Telegram Bot API: sendMessage/sendPhoto/sendDocument against a Bot API peer, and updates
through the webhook with the secret token header."""
import base64

from tests.channels.telegram.conftest import SECRET
from tests.channels.vendor_helpers import inbounds, message, post_json, send
from tests.peers.telegram_bot_api import failure, update
from tests.peers.telegram_bot_api import message as tg_message

CHAT = "424242"


async def test_text_photo_and_document(tg, bot, deliver):
    text = await send(tg, to={"telegramChatId": CHAT}, body="Hello", rules=["tg"])
    photo = await send(tg, to={"telegramChatId": CHAT}, rules=["tg"], messageParts=[
        {"type": "text/plain", "data": "Look"}, {"type": "image/jpeg", "url": "https://cdn.example.com/p.jpg"}])
    doc = await send(tg, to={"telegramChatId": CHAT}, rules=["tg"], messageParts=[
        {"type": "application/pdf", "name": "report.pdf", "data": base64.b64encode(b"%PDF-report").decode()}])
    await deliver(tg)
    assert bot.calls("sendMessage")[0][1] == {"chat_id": CHAT, "text": "Hello"}
    assert bot.calls("sendPhoto")[0][1] == {"chat_id": CHAT, "photo": "https://cdn.example.com/p.jpg",
                                            "caption": "Look"}
    [(_, form, request)] = bot.calls("sendDocument")
    assert form == {"chat_id": CHAT}
    assert request.files["document"] == ("report.pdf", "application/pdf", b"%PDF-report")
    for mid in (text, photo, doc):
        got = await message(tg, mid)
        assert got["status"] == "sent"
        assert got["statusHistory"][-1]["details"]["providerMessageId"].startswith(f"{CHAT}:")


async def test_buttons_become_an_inline_keyboard_and_presses_come_back(app, tg, bot, anon, deliver):
    mid = await send(tg, to={"telegramChatId": CHAT}, rules=["tg"], metadata={"poll": 1}, messageParts=[
        {"type": "application/vnd.onecast.buttons+json", "data": {"text": "Rate us", "buttons": [
            {"id": "good", "title": "Good"}, {"id": "bad", "title": "Bad"}]}}])
    await deliver(tg)
    [(_, fields, _)] = bot.calls("sendMessage")
    assert fields["reply_markup"] == {"inline_keyboard": [[{"text": "Good", "callback_data": "good"}],
                                                          [{"text": "Bad", "callback_data": "bad"}]]}
    sent_id = int((await message(tg, mid))["statusHistory"][-1]["details"]["providerMessageId"].split(":")[1])
    press = update(7, callback_query={"id": "cb1", "from": {"id": int(CHAT), "first_name": "Ada"}, "data": "good",
                                      "message": tg_message(int(CHAT), sent_id, text="Rate us")})
    r = await post_json(anon, f"/webhooks/telegram/{tg.space_id}/tg", press,
                        {"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert r.status_code == 200 and r.json() == {"messages": 1}
    [inbound] = await inbounds(app, tg.space_id)
    assert inbound.body == "good" and inbound.request["from"] == {"telegramChatId": CHAT}
    assert inbound.request["correlation"] == {"messageId": mid, "metadata": {"poll": 1}}


async def test_inbound_messages_need_the_secret_token(app, tg, anon):
    await tg.post("/profiles", json={"id": "ada", "telegramChatId": CHAT})
    url = f"/webhooks/telegram/{tg.space_id}/tg"
    text = update(1, message=tg_message(int(CHAT), 5, text="hi bot"))
    assert (await post_json(anon, url, text)).status_code == 401
    assert (await post_json(anon, url, text, {"X-Telegram-Bot-Api-Secret-Token": "wrong"})).status_code == 401
    assert await inbounds(app, tg.space_id) == []
    r = await post_json(anon, url, text, {"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert r.status_code == 200
    photo = update(2, message=tg_message(int(CHAT), 6, caption="my cat", photo=[
        {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90},
        {"file_id": "large", "file_unique_id": "l", "width": 800, "height": 800}]))
    await post_json(anon, url, photo, {"X-Telegram-Bot-Api-Secret-Token": SECRET})
    first, second = await inbounds(app, tg.space_id)
    assert first.body == "hi bot" and first.profile_id == "ada"
    assert second.body == "my cat"
    assert second.request["messageParts"] == [{"type": "image/jpeg", "data": {"id": "large"}}]
    r = await post_json(anon, url, [1], {"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert r.status_code == 400


async def test_blocked_bot_is_permanent_and_flood_control_is_retried(tg, bot, deliver):
    bot.blocked.add("999")
    blocked = await send(tg, to={"telegramChatId": "999"}, body="x", rules=["tg"])
    await deliver(tg)
    bot.fail_next(429, failure(429, "Too Many Requests: retry after 1", retry_after=1))
    flooded = await send(tg, to={"telegramChatId": CHAT}, body="y", rules=["tg"])
    await deliver(tg)
    got = await message(tg, blocked)
    assert got["status"] == "failed" and got["statusDetails"]["reason"] == "TelegramBlocked"
    got = await message(tg, flooded)
    assert got["status"] == "sent"
    retry = [h for h in got["statusHistory"] if h["status"] == "retrying"]
    assert retry and retry[0]["details"]["retryAfter"] == 1
