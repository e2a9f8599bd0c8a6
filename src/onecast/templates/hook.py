"""The one call the send path makes into templates and short links, between merge-field
rendering and planning (so SMS segments are counted on the final text)."""
from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels.service import ResolvedChannel
from onecast.links.service import shorten_links
from onecast.messages.schemas import MessageIn
from onecast.templates.sending import apply_template


async def compose_content(session: AsyncSession, space_id: str, item: MessageIn, channels: list[ResolvedChannel],
                          content: dict[str, Any], merge_values: dict[str, Any], message_id: str,
                          prefix: str = "") -> dict[str, Any]:
    if item.templateId is not None:
        content = await apply_template(session, space_id, item, channels, content, merge_values, prefix)
    return shorten_links(session, space_id, message_id, item.shortenLinks, channels, content)
