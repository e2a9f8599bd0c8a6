"""Meta retries a webhook it is unsure we took (for about a day): the same wamid or status again
answers 200 and changes nothing, whichever API process it reaches."""

from sqlalchemy import select

from onecast.kit.events import Event
from tests.channels.conftest import meta_notifier
from tests.channels.vendor_helpers import inbounds, message, send
from tests.channels.whatsapp.conftest import APP_SECRET
from tests.channels.whatsapp.test_whatsapp import USER, open_window
from tests.conftest import app_with
from tests.peers.graph_api import whatsapp_notification


async def inbound_events(app, space_id: str) -> list[Event]:
    async with app.state.db.read() as session:
        return list(
            (
                await session.execute(select(Event).where(Event.space_id == space_id, Event.name == "message.inbound"))
            ).scalars()
        )


async def test_a_repeated_wamid_is_one_message_and_one_event(app, settings, wa, graph, notify):
    assert await open_window(wa, notify, graph, "once", msg_id="wamid.REPEAT") == {"messages": 1, "statuses": 0}
    assert await open_window(wa, notify, graph, "once", msg_id="wamid.REPEAT") == {"messages": 0, "statuses": 0}
    # another API process (only the database is shared) gets the third delivery
    async with app_with(settings) as other:
        r = await meta_notifier(other, "whatsapp", "wa", APP_SECRET)(
            wa,
            whatsapp_notification(
                graph.phone_number_id,
                messages=[
                    {
                        "from": USER,
                        "id": "wamid.REPEAT",
                        "timestamp": "1700000000",
                        "type": "text",
                        "text": {"body": "once"},
                    }
                ],
            ),
        )
        assert r.status_code == 200 and r.json() == {"messages": 0, "statuses": 0}
    [stored] = await inbounds(app, wa.space_id)
    assert stored.body == "once"
    assert len(await inbound_events(app, wa.space_id)) == 1
    # a new wamid is a new message
    assert await open_window(wa, notify, graph, "twice", msg_id="wamid.OTHER") == {"messages": 1, "statuses": 0}


async def test_a_repeated_status_changes_nothing(wa, graph, notify, deliver):
    await open_window(wa, notify, graph)
    mid = await send(wa, to={"phoneNumber": USER}, body="x", rules=["wa"])
    await deliver(wa)
    wamid = (await message(wa, mid))["statusHistory"][-1]["details"]["providerMessageId"]
    delivered = whatsapp_notification(
        graph.phone_number_id,
        statuses=[{"id": wamid, "status": "delivered", "timestamp": "1700000000", "recipient_id": USER}],
    )
    assert (await notify(wa, delivered)).json()["statuses"] == 1
    before = await message(wa, mid)
    r = await notify(wa, delivered)
    assert r.status_code == 200 and r.json()["statuses"] == 0
    assert await message(wa, mid) == before
