"""Where conversations, One API sends and inbound messages meet the agent inbox."""
from __future__ import annotations


async def on_conversation_message(session, conversation, message, members) -> None:  # noqa: ANN001
    return None
