"""One Meta app with several WhatsApp business numbers calls one callback URL: each number's
changes reach the channel configured with that phone_number_id."""

from tests.channels.vendor_helpers import add_channel, inbounds
from tests.channels.whatsapp.conftest import APP_SECRET
from tests.peers.graph_api import whatsapp_notification


async def test_a_change_for_another_number_reaches_its_channel(app, wa, graph, notify):
    await add_channel(
        wa,
        "wa2",
        "whatsApp",
        "whatsapp_cloud",
        {
            "phoneNumberId": "2066",
            "accessToken": "t2",
            "appSecret": APP_SECRET,
            "verifyToken": "v2",
            "baseUrl": graph.url,
        },
    )
    msg = {
        "from": "447700900123",
        "id": "wamid.TWO",
        "timestamp": "1700000000",
        "type": "text",
        "text": {"body": "for number two"},
    }
    r = await notify(wa, whatsapp_notification("2066", messages=[msg], display="15550002222"))
    assert r.status_code == 200 and r.json() == {"messages": 1, "statuses": 0}
    [stored] = await inbounds(app, wa.space_id)
    assert stored.channel == "wa2" and stored.request["to"] == {"phoneNumber": "15550002222"}
    # a number no channel of the space has is still ignored
    r = await notify(wa, whatsapp_notification("3077", messages=[{**msg, "id": "wamid.THREE"}]))
    assert r.json() == {"messages": 0, "statuses": 0}
