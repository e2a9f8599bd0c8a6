"""A vendor's "try again in N seconds" sets the next attempt: Telegram's `parameters.retry_after`
and HTTP `Retry-After` (seconds or an HTTP-date) on a 429 (the worker's own backoff is far
shorter in the tests, so the job's due time shows whose wait was taken)."""

from datetime import timedelta
from email.utils import format_datetime

from sqlalchemy import select

from onecast.delivery.models import OutboxJob
from onecast.delivery.worker import Worker
from onecast.kit.clock import utcnow
from onecast.kit.retry_after import retry_after_seconds
from tests.channels.vendor_helpers import add_channel, message, send
from tests.peers.custom_receiver import CustomReceiver
from tests.peers.telegram_bot_api import TelegramPeer, failure

SECRET = "whsec_c2VjcmV0LWtleS1mb3ItdGVzdHM="


async def attempt_once(app, settings, space_id: str) -> None:
    worker = Worker(app.state.db, settings, name=f"backoff-{space_id[:8]}")
    try:
        await worker.drain()
    finally:
        await worker.pool.close()


async def due_in(app, message_id: str) -> float:
    async with app.state.db.read() as session:
        job = (await session.execute(select(OutboxJob).where(OutboxJob.message_id == message_id))).scalar_one()
    return (job.available_at - utcnow()).total_seconds()


async def test_telegram_retry_after_sets_the_next_attempt(app, settings, space):
    bot = TelegramPeer().start()
    try:
        await add_channel(space, "tg", "telegram", "telegram", {"botToken": bot.token, "baseUrl": bot.url})
        bot.fail_next(429, failure(429, "Too Many Requests: retry after 120", retry_after=120))
        mid = await send(space, to={"telegramChatId": "42"}, body="later", rules=["tg"])
        await attempt_once(app, settings, space.space_id)
        got = await message(space, mid)
        assert got["status"] == "retrying"
        assert got["statusHistory"][-1]["details"]["retryAfter"] == 120
        assert 100 < await due_in(app, mid) <= 121
    finally:
        bot.stop()


async def test_http_retry_after_in_seconds_or_as_a_date_sets_the_next_attempt(app, settings, space):
    receiver = CustomReceiver(SECRET).start()
    try:
        await add_channel(
            space, "crm", "custom", "custom_http", {"url": receiver.url + "/hook", "secret": SECRET, "idField": "crmId"}
        )
        receiver.fail_next(429, {"error": "slow down"}, headers={"Retry-After": "90"})
        first = await send(space, to={"crmId": "C-1"}, body="one", rules=["crm"])
        await attempt_once(app, settings, space.space_id)
        assert (await message(space, first))["status"] == "retrying"
        assert 70 < await due_in(app, first) <= 91

        when = utcnow() + timedelta(seconds=300)
        receiver.fail_next(503, {}, headers={"Retry-After": format_datetime(when, usegmt=True)})
        second = await send(space, to={"crmId": "C-2"}, body="two", rules=["crm"])
        await attempt_once(app, settings, space.space_id)
        assert 250 < await due_in(app, second) <= 301
    finally:
        receiver.stop()


def test_retry_after_values():
    now = utcnow()
    assert retry_after_seconds("120") == 120.0 and retry_after_seconds(7) == 7.0
    # an HTTP-date has whole seconds
    assert 59.0 <= retry_after_seconds(format_datetime(now + timedelta(seconds=60), usegmt=True), now) <= 60.0
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=60), usegmt=True), now) == 0.0
    assert retry_after_seconds("10" * 20) == 24 * 3600.0  # capped at a day
    for useless in (None, True, "soon", "", "nan"):
        assert retry_after_seconds(useless) is None
