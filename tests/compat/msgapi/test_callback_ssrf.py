"""Callbacks obey the webhooks' SSRF rule: a callback URL on a private or loopback address gets
nothing (and loses nothing: the events wait until the URL is fixed or the network allowed)."""
import httpx

from onecast.compat.msgapi.dispatch import dispatch_once
from onecast.kit.ssrf import AddressGuard
from tests.compat.msgapi.test_contract import MsgApi, envelope_ok
from tests.peers.msgapi_receiver import Receiver


async def test_private_callback_urls_get_nothing_until_allowed(space):
    api = MsgApi(space)
    envelope_ok(await api.post("/config/webhook", {"url": "http://127.0.0.1:9/api/v1/message/receive"}))
    await space.post("/messages/inbounds", json={"channel": "sms", "from": {"phoneNumber": "919988776655"},
                                                 "body": "hi"})
    receiver = Receiver()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver.app)) as client:
        assert await dispatch_once(space_db(space), client, AddressGuard("")) == 0
        assert receiver.received == []
        assert await dispatch_once(space_db(space), client, AddressGuard("127.0.0.0/8")) > 0
    assert receiver.received


def space_db(space):
    return space.client._transport.app.state.db  # the ASGI app behind the test client
