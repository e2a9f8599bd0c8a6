"""Callbacks are webhooks: a callback URL on a private or loopback address gets nothing when the
network is not allowed (the guarded transport refuses it; the delivery is dead, as for any webhook)."""
import dataclasses

from sqlalchemy import select

from onecast.webhooks.models import WebhookDelivery
from tests.compat.msgapi.callbacks import customer_app, drain


async def test_private_callback_urls_get_nothing(app, api, space, settings):
    strict = dataclasses.replace(settings, outbound_allowed_networks="", webhook_allowed_networks="")
    async with customer_app(api) as receiver:
        await space.post("/messages/inbounds", json={"channel": "sms", "from": {"phoneNumber": "919988776655"},
                                                     "body": "hi"})
        assert await drain(app, strict, space) == 1
        assert receiver.received == []
    async with app.state.db.read() as session:
        statuses = list((await session.execute(select(WebhookDelivery.status).where(
            WebhookDelivery.space_id == space.space_id))).scalars())
    assert statuses == ["dead"]
