"""Where app messages, One API sends and inbound messages meet the agent inbox.

- A user's message in a `{Team_Name}_{profileId}` conversation opens a chat for that team
  (or continues the open one).
- A One API send with such a conversationId lands in that chat (opening it if need be).
- An inbound message on a channel a team configured (sms, email, fbMessenger...) opens or
  continues the sender's chat with that team, and the chat moves to that channel.
- Agents' replies in a chat on another channel than app messaging go out through the One API.
"""
from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from onecast.appusers.auth import Caller
from onecast.chat import access, service, teams
from onecast.chat.models import Chat, ChatTeam
from onecast.conversations import service as conversations
from onecast.conversations.models import Conversation, ConversationMessage
from onecast.kit.auth import Principal
from onecast.kit.events import record_event
from onecast.profiles import service as profiles
from onecast.spaces.models import ApiSpace

# Set while a chat reply goes out through the One API, so the send hook does not take it back in.
_relaying: ContextVar[bool] = ContextVar("onecast_chat_relaying", default=False)


async def _open_or_continue(session: AsyncSession, team: ChatTeam, conversation_id: str, profile_id: str,
                            channel_id: str, message: ConversationMessage, *, from_user: bool) -> Chat:
    chat = await service.active_chat(session, team.space_id, conversation_id, lock=True)
    opened = chat is None
    if opened:
        chat = await service.open_chat(session, service.system(team.space_id), name=f"{team.name}: {profile_id}",
                                       team=team, channel_id=channel_id, conversation_id=conversation_id,
                                       participants=[{"id": profile_id, "role": "participant"}])
    elif chat.channel_id != channel_id and from_user:
        chat.channel_id = channel_id  # the user moved: replies follow
        record_event(session, chat.space_id, "chat.channelUpdated", chat.id, {"id": chat.id, "channelId": channel_id},
                     chat.revision + 1)
    if not from_user and chat.status == "new":
        chat.status = "replied"
    service._touch(chat, "system")
    record_event(session, chat.space_id, "chatMessage.sent", chat.id,
                 service.chat_message_payload(chat, message, "inbound" if from_user else "outbound", None),
                 chat.revision)
    if opened and from_user:
        await _greet(session, chat, team)
    return chat


async def _greet(session: AsyncSession, chat: Chat, team: ChatTeam) -> None:
    """The team's welcome message, and its out-of-hours message outside working hours."""
    welcome = ((team.channels or {}).get(teams.APP_MESSAGING) or {}).get("welcomeMessage") or {}
    if welcome.get("text"):
        await service.post_automated(session, chat, team, welcome["text"])
    settings = team.settings or {}
    if settings.get("outOfHoursMessageEnabled") and not teams.in_working_hours(settings):
        if settings.get("outOfHoursMessage"):
            await service.post_automated(session, chat, team, settings["outOfHoursMessage"])
        if settings.get("outOfHoursFormTemplateId"):
            await service.send_form(session, service.system(chat.space_id), chat.id,
                                    settings["outOfHoursFormTemplateId"])


async def on_conversation_message(session: AsyncSession, caller: Caller, conversation: Conversation,
                                  message: ConversationMessage) -> None:
    """A message posted to a conversation by an app user or the server (not by the chat domain).
    An app user's message opens a chat only with a team published for app users."""
    chat = await service.active_chat(session, conversation.space_id, conversation.id)
    if chat is not None:
        team = await session.get(ChatTeam, (chat.space_id, chat.team_id))
        if team is not None:
            await _open_or_continue(session, team, conversation.id, chat.profile_id or message.from_id,
                                    chat.channel_id, message, from_user=message.from_id == chat.profile_id)
        return
    match = await teams.team_for_conversation(session, conversation.space_id, conversation.id)
    if match is not None and match[1] == message.from_id and access.may_open_with(caller, match[0]):
        await _open_or_continue(session, match[0], conversation.id, match[1], teams.APP_MESSAGING, message,
                                from_user=True)


def _parts_of(request: dict[str, Any]) -> list[dict[str, Any]]:
    parts = [{"type": "text/plain", "data": request["body"], "size": len(request["body"].encode())}] \
        if request.get("body") else []
    for part in request.get("messageParts") or []:
        parts.append({k: v for k, v in part.items() if k in ("name", "type", "url", "data", "size")})
    return parts or [{"type": "text/plain", "data": ""}]


async def on_one_api_send(session: AsyncSession, space_id: str, message) -> None:
    """A One API send whose conversationId is `{Team_Name}_{profileId}` lands in that chat."""
    if _relaying.get() or not message.conversation_id:
        return
    match = await teams.team_for_conversation(session, space_id, message.conversation_id)
    if match is None:
        return
    team, profile_id = match
    await service.ensure_conversation(session, space_id, message.conversation_id,
                                      f"{team.name}: {profile_id}", {profile_id: "participant"})
    request = message.request or {}
    sender = ((request.get("channelOptions") or {}).get("appMessaging") or {}).get("from") \
        or {"profileId": team.id, "name": team.name}
    body = {"parts": _parts_of({"body": message.body, "messageParts": request.get("messageParts")}),
            "from": sender, "metadata": {**((message.content or {}).get("metadata") or {}), "messageId": message.id}}
    posted = await conversations.post_message(session, service.system(space_id), message.conversation_id, body,
                                              from_chat=True)
    channel = message.channel or teams.APP_MESSAGING
    await _open_or_continue(session, team, message.conversation_id, profile_id, channel, posted, from_user=False)


async def on_inbound(session: AsyncSession, space_id: str, message, team: ChatTeam | None = None) -> None:
    """An inbound message on a channel a team takes chats on opens or continues a chat; `team`:
    the one a `startChat` message rule names. A message joins a chat once."""
    taken = session.info.setdefault("chat_inbound", set())
    if message.id in taken:
        return
    if team is None:
        match = await teams.team_for_conversation(session, space_id, message.conversation_id) \
            if message.conversation_id else None
        team = match[0] if match else await teams.team_for_channel(session, space_id, message.channel)
    if team is None:
        return
    taken.add(message.id)
    request = message.request or {}
    profile_id = message.profile_id
    if profile_id is None:  # an unknown sender becomes a profile named by its address
        field, address = next(iter((request.get("from") or {}).items()))
        profile = await profiles.upsert_for_send(session, space_id, str(address), {field: address},
                                                 f"chat:{team.id}")
        profile_id = message.profile_id = profile.id
    conversation_id = teams.conversation_id_for(team, profile_id)
    if message.conversation_id is None:  # the message is now part of the chat's conversation
        message.conversation_id = conversation_id
    await service.ensure_conversation(session, space_id, conversation_id, f"{team.name}: {profile_id}",
                                      {profile_id: "participant"})
    body = {"parts": _parts_of({"body": message.body, "messageParts": request.get("messageParts")}),
            "from": {"profileId": profile_id}, "direction": "inbound",
            "metadata": {**(request.get("metadata") or {}), "messageId": message.id, "channel": message.channel}}
    posted = await conversations.post_message(session, service.system(space_id), conversation_id, body,
                                              from_chat=True)
    await _open_or_continue(session, team, conversation_id, profile_id, message.channel, posted, from_user=True)


async def relay(session: AsyncSession, chat: Chat, message: ConversationMessage) -> None:
    """An agent's reply to a chat on SMS, email...: sent to the user through the One API."""
    from onecast.messages.schemas import MessageIn
    from onecast.messages.service import send_many

    space = await session.get(ApiSpace, chat.space_id)
    text = "\n".join(p.get("data") or "" for p in message.parts if (p.get("type") or "text/plain") == "text/plain")
    item = MessageIn.model_validate({"to": {"profileId": chat.profile_id}, "body": text, "rules": [chat.channel_id],
                                     "conversationId": chat.conversation_id,
                                     "metadata": {"chatId": chat.id, "conversationMessageId": message.id}})
    token = _relaying.set(True)
    try:
        await send_many(session, Principal("chat", chat.space_id, space.account_id), [item])
    finally:
        _relaying.reset(token)
