"""Messenger: a retried notification (same mid, same postback) answers 200 and changes nothing;
one Meta app serving several Pages calls one callback URL, and each Page's entries reach the
channel that owns that Page."""

from tests.channels.messenger.conftest import APP_SECRET
from tests.channels.vendor_helpers import add_channel, inbounds
from tests.peers.graph_api import messenger_notification

PSID = "2468013579"
SENDER = {"sender": {"id": PSID}, "timestamp": 1700000000000}


async def test_a_repeated_mid_or_postback_is_stored_once(app, fb, graph, notify):
    events = [
        {**SENDER, "recipient": {"id": graph.page_id}, "message": {"mid": "m_same", "text": "Hello"}},
        {**SENDER, "recipient": {"id": graph.page_id}, "postback": {"title": "Start", "payload": "GET_STARTED"}},
    ]
    first = await notify(fb, messenger_notification(graph.page_id, events))
    again = await notify(fb, messenger_notification(graph.page_id, events))
    assert first.json() == {"messages": 2, "statuses": 0}
    assert again.status_code == 200 and again.json() == {"messages": 0, "statuses": 0}
    assert [m.body for m in await inbounds(app, fb.space_id)] == ["Hello", "Start"]


async def test_entries_of_another_page_reach_the_channel_that_owns_it(app, fb, graph, notify):
    await add_channel(
        fb,
        "fb2",
        "fbMessenger",
        "messenger",
        {"pageId": "888", "pageAccessToken": "t2", "appSecret": APP_SECRET, "verifyToken": "v2", "baseUrl": graph.url},
    )
    await add_channel(
        fb,
        "fb3",
        "fbMessenger",
        "messenger",
        {  # same Page id, another app: not trusted
            "pageId": "999",
            "pageAccessToken": "t3",
            "appSecret": "another-app",
            "verifyToken": "v3",
            "baseUrl": graph.url,
        },
    )
    payload = messenger_notification(
        graph.page_id,
        [{**SENDER, "recipient": {"id": graph.page_id}, "message": {"mid": "m_p1", "text": "to page one"}}],
    )
    payload["entry"] += messenger_notification(
        "888", [{**SENDER, "recipient": {"id": "888"}, "message": {"mid": "m_p2", "text": "to page two"}}]
    )["entry"]
    payload["entry"] += messenger_notification(
        "999", [{**SENDER, "recipient": {"id": "999"}, "message": {"mid": "m_p3", "text": "to page three"}}]
    )["entry"]
    r = await notify(fb, payload)
    assert r.status_code == 200 and r.json() == {"messages": 2, "statuses": 0}
    stored = {m.body: m for m in await inbounds(app, fb.space_id)}
    assert set(stored) == {"to page one", "to page two"}
    assert stored["to page one"].channel == "fb" and stored["to page two"].channel == "fb2"
    assert stored["to page two"].request["to"] == {"pageId": "888"}
