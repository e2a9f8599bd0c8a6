"""Telegram updates as the Bot API delivers them: a repeated update (Telegram retries until it
gets a 2xx) is stored once, every button press is answered with answerCallbackQuery, an
edited_message changes the message it edits, and two bots' ids never mix."""

import asyncio

from sqlalchemy import select

from onecast.kit.events import Event
from tests.channels.telegram.conftest import SECRET
from tests.channels.vendor_helpers import add_channel, inbounds, message, post_json, send
from tests.peers.telegram_bot_api import TelegramPeer, update
from tests.peers.telegram_bot_api import message as tg_message

CHAT = "424242"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


async def inbound_events(app, space_id: str) -> int:
    async with app.state.db.read() as session:
        return len(
            list(
                (
                    await session.execute(
                        select(Event).where(Event.space_id == space_id, Event.name == "message.inbound")
                    )
                ).scalars()
            )
        )


async def test_a_repeated_update_is_stored_once(app, tg, anon):
    url = f"/webhooks/telegram/{tg.space_id}/tg"
    text = update(11, message=tg_message(int(CHAT), 5, text="only once"))
    assert (await post_json(anon, url, text, HEADERS)).json() == {"messages": 1}
    again = await post_json(anon, url, text, HEADERS)
    assert again.status_code == 200 and again.json() == {"messages": 0}
    assert [m.body for m in await inbounds(app, tg.space_id)] == ["only once"]
    assert await inbound_events(app, tg.space_id) == 1


async def test_the_same_update_at_once_on_two_connections_is_stored_once(app, tg, anon):
    """Both pass the look-up before either commits (PostgreSQL): the unique index stops the second,
    which answers 200 too (the first committed it)."""
    url = f"/webhooks/telegram/{tg.space_id}/tg"
    text = update(13, message=tg_message(int(CHAT), 6, text="raced"))
    answers = await asyncio.gather(*(post_json(anon, url, text, HEADERS) for _ in range(4)))
    assert [r.status_code for r in answers] == [200] * 4
    assert sum(r.json()["messages"] for r in answers) == 1
    assert [m.body for m in await inbounds(app, tg.space_id)] == ["raced"]


async def test_every_button_press_is_answered(app, tg, bot, anon):
    url = f"/webhooks/telegram/{tg.space_id}/tg"
    press = update(
        12,
        callback_query={
            "id": "4382bfdwdsb323b2d9",
            "from": {"id": int(CHAT), "first_name": "Ada"},
            "chat_instance": "-1",
            "data": "good",
            "message": tg_message(int(CHAT), 9, text="Rate us"),
        },
    )
    assert (await post_json(anon, url, press, HEADERS)).json() == {"messages": 1}
    # Telegram sends the press again when unsure: stored once, answered again (the client still waits)
    assert (await post_json(anon, url, press, HEADERS)).json() == {"messages": 0}
    answers = bot.calls("answerCallbackQuery")
    assert [fields for _, fields, _ in answers] == [{"callback_query_id": "4382bfdwdsb323b2d9"}] * 2
    assert [m.body for m in await inbounds(app, tg.space_id)] == ["good"]


async def test_an_edited_message_edits_the_stored_one(app, tg, anon):
    url = f"/webhooks/telegram/{tg.space_id}/tg"
    await post_json(anon, url, update(21, message=tg_message(int(CHAT), 30, text="helo")), HEADERS)
    edit = update(22, edited_message={**tg_message(int(CHAT), 30, text="hello"), "edit_date": 1700000100})
    assert (await post_json(anon, url, edit, HEADERS)).json() == {"messages": 1}
    assert (await post_json(anon, url, edit, HEADERS)).json() == {"messages": 0}
    [stored] = await inbounds(app, tg.space_id)
    assert stored.body == "hello" and stored.request["body"] == "hello"
    assert stored.request["editedOn"] == "2023-11-14T22:15:00.000Z" and stored.revision == 2
    got = await message(tg, stored.id)  # GET /messages/{id} reads inbound messages too
    assert got["body"] == "hello" and got["receivedOn"] and got["editedOn"] == stored.request["editedOn"]
    assert await inbound_events(app, tg.space_id) == 1


async def test_inbound_messages_are_read_by_id_and_carry_their_channel_data(tg, anon):
    await tg.post("/profiles", json={"id": "ada", "telegramChatId": CHAT})
    photo = update(
        41,
        message=tg_message(
            int(CHAT),
            50,
            caption="my cat",
            photo=[{"file_id": "large", "file_unique_id": "l", "width": 800, "height": 800}],
        ),
    )
    await post_json(anon, f"/webhooks/telegram/{tg.space_id}/tg", photo, HEADERS)
    [item] = (await tg.get("/profiles/ada/messages")).json()
    assert item["direction"] == "inbound" and item["message"]["body"] == "my cat"
    assert item["message"]["channelData"]["telegram"]["photo"][0]["file_id"] == "large"
    got = await message(tg, item["messageId"])
    assert got["messageId"] == item["messageId"] and got["status"] == "received"
    assert got["channelData"]["telegram"]["message_id"] == 50
    assert (await tg.get("/messages/no-such-message")).status_code == 404


async def test_two_bots_with_the_same_message_ids_stay_apart(app, tg, bot, anon, deliver):
    other = TelegramPeer().start()  # counts message ids from the same start as `bot`
    try:
        await add_channel(
            tg, "tg2", "telegram", "telegram", {"botToken": other.token, "secretToken": SECRET, "baseUrl": other.url}
        )
        first = await send(tg, to={"telegramChatId": CHAT}, body="from bot one", rules=["tg"])
        second = await send(tg, to={"telegramChatId": CHAT}, body="from bot two", rules=["tg2"])
        await deliver(tg)
        ids = [(await message(tg, m))["statusHistory"][-1]["details"]["providerMessageId"] for m in (first, second)]
        assert ids[0] == ids[1]  # both bots answered 424242:100
        reply = update(
            31,
            message=tg_message(
                int(CHAT), 101, text="reply to two", reply_to_message=tg_message(int(CHAT), int(ids[1].split(":")[1]))
            ),
        )
        r = await post_json(anon, f"/webhooks/telegram/{tg.space_id}/tg2", reply, HEADERS)
        assert r.status_code == 200 and r.json() == {"messages": 1}
        [stored] = await inbounds(app, tg.space_id)
        assert stored.request["correlation"]["messageId"] == second
    finally:
        other.stop()


async def test_the_secret_token_keeps_to_telegrams_characters(tg, bot):
    for bad in ("has space", "ünïcode", "x" * 257, "", "semi;colon"):
        r = await tg.post(
            "/channels",
            json={
                "id": "tg3",
                "type": "telegram",
                "provider": "telegram",
                "config": {"botToken": bot.token, "secretToken": bad},
            },
        )
        assert r.status_code == 400, bad
        assert r.json()["errors"][0]["field"] == "config.secretToken"
    r = await tg.post(
        "/channels",
        json={
            "id": "tg3",
            "type": "telegram",
            "provider": "telegram",
            "config": {"botToken": bot.token, "secretToken": "A-z_09" * 40},
        },
    )
    assert r.status_code == 201, r.text
