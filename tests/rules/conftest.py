from __future__ import annotations

from sqlalchemy import select

from onecast.kit.models import Event
from onecast.messages.models import Message

PHONE = "447400123456"
OUR_NUMBER = "447400999000"


async def inbound(space, text: str, *, channel: str = "sms", sender: dict | None = None, to: dict | None = None):
    r = await space.post("/messages/inbounds", json={
        "channel": channel, "from": sender or {"phoneNumber": PHONE}, "to": to or {"phoneNumber": OUR_NUMBER},
        "body": text})
    assert r.status_code == 201, r.text
    return r.json()


async def events(app, space_id: str, name: str) -> list[Event]:
    async with app.state.db.read() as session:
        rows = await session.execute(select(Event).where(Event.space_id == space_id, Event.name == name)
                                     .order_by(Event.seq))
        return list(rows.scalars())


async def replies(app, space_id: str) -> list[Message]:
    async with app.state.db.read() as session:
        rows = await session.execute(select(Message).where(Message.space_id == space_id,
                                                           Message.direction == "outbound")
                                     .order_by(Message.created_on))
        return list(rows.scalars())
