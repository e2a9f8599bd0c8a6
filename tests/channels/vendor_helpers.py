"""Helpers the vendor channel tests share: configuring a channel, reading what was stored,
and posting webhooks the way the vendor does."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from onecast.messages.models import Message


async def add_channel(space, channel_id: str, channel_type: str, provider: str, config: dict[str, Any]) -> None:
    r = await space.post("/channels", json={"id": channel_id, "type": channel_type, "provider": provider,
                                            "config": config})
    assert r.status_code == 201, r.text


async def send(space, **message: Any) -> str:
    r = await space.post("/messages", json=message)
    assert r.status_code == 201, r.text
    return r.json()["messageId"]


async def message(space, message_id: str) -> dict[str, Any]:
    r = await space.get(f"/messages/{message_id}")
    assert r.status_code == 200, r.text
    return r.json()


async def inbounds(app, space_id: str) -> list[Message]:
    async with app.state.db.read() as session:
        return list((await session.execute(select(Message).where(
            Message.space_id == space_id, Message.direction == "inbound").order_by(Message.created_on))).scalars())


async def post_json(client, path: str, payload: Any, headers: dict[str, str] | None = None):
    raw = json.dumps(payload).encode()
    return await client.post(path, content=raw, headers={"Content-Type": "application/json", **(headers or {})})
