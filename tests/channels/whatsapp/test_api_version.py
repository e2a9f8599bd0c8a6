"""The Graph API version: a supported one by default (Meta retires v21.0 on 2027-01-21), and the
channel's `apiVersion` when given."""

from tests.channels.messenger.conftest import add_messenger
from tests.channels.vendor_helpers import add_channel, send
from tests.channels.whatsapp.conftest import APP_SECRET
from tests.channels.whatsapp.test_whatsapp import open_window


async def test_the_default_version_is_supported_and_apiversion_overrides_it(wa, graph, notify, deliver):
    await open_window(wa, notify, graph)
    await send(wa, to={"phoneNumber": "447700900123"}, body="default version", rules=["wa"])
    await deliver(wa)
    [call] = graph.sent()
    assert call.path == f"/v25.0/{graph.phone_number_id}/messages"

    await add_channel(
        wa,
        "wa_next",
        "whatsApp",
        "whatsapp_cloud",
        {
            "phoneNumberId": graph.phone_number_id,
            "accessToken": graph.wa_token,
            "appSecret": APP_SECRET,
            "verifyToken": "v",
            "baseUrl": graph.url,
            "apiVersion": "v26.0",
        },
    )
    await send(wa, to={"phoneNumber": "447700900123"}, body="pinned version", rules=["wa_next"])
    await deliver(wa)
    assert graph.sent()[-1].path == f"/v26.0/{graph.phone_number_id}/messages"


async def test_messenger_uses_the_same_default(space, graph, deliver):
    await add_messenger(space, graph)
    await send(space, to={"fbMessengerId": "2468"}, body="hello", rules=["fb"])
    await deliver(space)
    [call] = graph.sent("messenger")
    assert call.path == f"/v25.0/{graph.page_id}/messages"
