"""Who may do what with chats (docs/conversations.md, "Who may do what").

- The space's server (an API key) may do anything in its space.
- An agent is a session whose profile is a member of a team (never an anonymous `anon_` one). In
  its teams it opens chats for customers on any channel, reads their chats and manages them.
- Any other session is an app user: it acts only as itself. It opens a chat only for itself, on
  app messaging, with a team the space published (`isPublic`); it reads the chats it takes part
  in and writes in their conversation, but does not manage them.
"""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from onecast.appusers.auth import Caller
from onecast.appusers.tokens import ANON_PREFIX
from onecast.chat import teams
from onecast.chat.models import Chat, ChatTeam
from onecast.kit.errors import forbidden, not_found


def is_agent_of(caller: Caller, team: ChatTeam | None) -> bool:
    """A session of one of the team's members; an anonymous visitor never is, whatever its id."""
    return (team is not None and not caller.is_server and not caller.profile_id.startswith(ANON_PREFIX)
            and caller.profile_id in teams.members(team))


async def agent_teams(session: AsyncSession, caller: Caller) -> set[str]:
    """The ids of the teams the caller is an agent of (none for the server and app users)."""
    if caller.is_server:
        return set()
    return {t.id for t in await teams.teams(session, caller.space_id) if is_agent_of(caller, t)}


def _takes_part(caller: Caller, chat: Chat) -> bool:
    return caller.profile_id in {p["id"] for p in chat.participants or []}


async def may_read(session: AsyncSession, caller: Caller, chat: Chat) -> bool:
    if caller.is_server or _takes_part(caller, chat):
        return True
    return is_agent_of(caller, await session.get(ChatTeam, (chat.space_id, chat.team_id)))


async def require_agent(session: AsyncSession, caller: Caller, chat: Chat) -> None:
    """Managing a chat and answering in it as the team: the server, an agent of the chat's team
    or its assigned agent. The chat's customer may read it, not act as the team."""
    if caller.is_server or caller.profile_id == chat.agent_id \
            or is_agent_of(caller, await session.get(ChatTeam, (chat.space_id, chat.team_id))):
        return
    raise forbidden("Only the team's agents manage a chat or answer as the team; app users write in its "
                    f"conversation (POST /conversations/{chat.conversation_id}/messages)")


async def require_presence_of(session: AsyncSession, caller: Caller, profile_ids: list[str],
                              of_agents: bool) -> None:
    """Who may learn whether a profile is online. The server and agents: anyone in the space. An app
    user: itself, and (for agent presence) the members of published teams, the people a widget
    offers to talk to; never whether another customer is online."""
    if caller.is_server:
        return
    space_teams = await teams.teams(session, caller.space_id)
    if any(is_agent_of(caller, t) for t in space_teams):
        return
    visible = {caller.profile_id}
    if of_agents:
        visible |= {m for t in space_teams if t.is_public for m in teams.members(t)}
    hidden = [p for p in profile_ids if p not in visible]
    if hidden:
        raise forbidden("An app user sees its own presence and that of published teams' agents only; "
                        f"not {', '.join(hidden[:5])}")


def may_open_with(caller: Caller, team: ChatTeam) -> bool:
    return caller.is_server or team.is_public or is_agent_of(caller, team)


async def team_to_open(session: AsyncSession, caller: Caller, team_id: str) -> ChatTeam:
    """The team a chat is opened with. To an app user a team the space did not publish does not
    exist: it gets the same 404 as for an unknown id, so team ids cannot be probed."""
    team = await teams.get_team(session, caller.space_id, team_id)
    if not may_open_with(caller, team):
        raise not_found("Team")
    return team


def own_chat(caller: Caller, team: ChatTeam, channel_id: str, participants: list[dict],
             conversation_id: str | None) -> tuple[list[dict], str]:
    """An app user's chat: (its participants, its conversation id). Only for itself, on app
    messaging, in its own conversation with the team; naming anything else is refused."""
    me = caller.profile_id
    if channel_id != teams.APP_MESSAGING:
        raise forbidden(f"An app user opens chats on {teams.APP_MESSAGING} only")
    if any(p["id"] != me or p["role"] != "participant" for p in participants):
        raise forbidden("An app user opens a chat for itself only: it may not name other participants "
                        "or take the agent role")
    own_conversation = teams.conversation_id_for(team, me)
    if conversation_id not in (None, own_conversation):
        raise forbidden(f"An app user's chat with this team is in its own conversation {own_conversation!r}")
    return [{"id": me, "role": "participant"}], own_conversation


def agents_chat_conversation(team: ChatTeam, participants: list[dict], conversation_id: str | None) -> None:
    """An agent may name only its team's conversation with the chat's customer (the one it would
    get anyway), not another conversation it would become an owner of."""
    visitor = next((p["id"] for p in participants if p["role"] == "participant"), None)
    if conversation_id is not None and (visitor is None or conversation_id != teams.conversation_id_for(team, visitor)):
        raise forbidden("An agent's chat is in its team's conversation with the customer; "
                        "only an API key names another conversation")
