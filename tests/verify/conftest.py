from __future__ import annotations

import json
import re

from sqlalchemy import select, update

from onecast.channels.sandbox.models import SandboxDelivery
from onecast.messages.models import Message
from onecast.verify.models import VerifyRequest


async def code_received(app, message_id: str) -> str:
    """The code as the recipient's device got it (the sandbox provider's inbox)."""
    async with app.state.db.read() as session:
        delivery = (await session.execute(select(SandboxDelivery).where(
            SandboxDelivery.message_id == message_id))).scalar_one()
    return re.search(r"\d{4,10}", delivery.payload["body"]).group(0)


async def stored_message_text(app, message_id: str) -> str:
    """Everything the messages table keeps for the message, as one string."""
    async with app.state.db.read() as session:
        m = await session.get(Message, message_id)
    return json.dumps([m.body, m.request, m.content, m.status_details, m.title])


async def shift_requests(app, space_id: str, **values) -> None:
    async with app.state.db.transaction() as session:
        await session.execute(update(VerifyRequest).where(VerifyRequest.space_id == space_id).values(**values))
