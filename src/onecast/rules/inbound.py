"""Applying rules to an inbound message, in the transaction that stores it.

Opt-out keywords come first (STOP / START / HELP, per locale): they change the sender profile's
opt-in for the channel, audited by an `optin_changes` row and an `automation.optInChange` event,
and end rule processing. Otherwise the first matching keyword rule runs: reply, profile update
or start chat (the sender's chat with the rule's team opens or continues).
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels.models import Channel
from onecast.channels.types import PHONE_TYPES, SMS_TYPES
from onecast.kit.auth import Principal
from onecast.kit.errors import Problem
from onecast.kit.events import record_event
from onecast.messages.models import Message
from onecast.messages.schemas import MessageIn
from onecast.profiles.models import Profile
from onecast.rules.defaults import DEFAULT_KEYWORDS, HELP_TEXT
from onecast.rules.models import InboundRule, OptInChange
from onecast.rules.service import list_rules

log = structlog.get_logger("onecast.rules")
PUNCTUATION = string.punctuation + "¡¿«»“”‘’"


class AutomationPrincipal(Principal):
    """Who sends a rule's reply: the rule, not an API key."""

    @property
    def actor(self) -> str:
        return f"automation:{self.key_id}"


@dataclass(frozen=True)
class Candidate:
    rule_id: str | None
    channel: str
    inbound: str
    keyword: str
    action: str
    data: dict[str, Any]
    locale: str | None = None


def _text(message: Message) -> str:
    text = message.body
    if text is None:
        for part in (message.request or {}).get("messageParts") or []:
            if str(part.get("type", "")).startswith("text/") and isinstance(part.get("data"), str):
                text = part["data"]
                break
    return " ".join((text or "").split()).strip(PUNCTUATION + " ").casefold()


def keyword_hit(keywords: str, text: str) -> str | None:
    """The keyword of the comma-separated list that the text is, or starts with as a word."""
    if not text:
        return None
    for word in (w.strip().casefold() for w in keywords.split(",")):
        if word == "*" or text == word or text.startswith(word + " "):
            return word
    return None


def _digits(value: str) -> str:
    cleaned = value.replace(" ", "").replace("-", "")
    return cleaned.lstrip("+") if cleaned.lstrip("+").isdigit() else value.strip().casefold()


def _inbound_matches(rule_inbound: str, message: Message) -> bool:
    if rule_inbound == "*":
        return True
    to = (message.request or {}).get("to") or {}
    return any(isinstance(v, str) and _digits(v) == _digits(rule_inbound) for v in to.values())


def _locale_matches(rule_locale: str | None, profile: Profile | None) -> bool:
    wanted = (profile.data or {}).get("locale") if profile is not None else None
    if not rule_locale or not isinstance(wanted, str) or not wanted:
        return True
    return wanted.casefold().replace("_", "-").split("-")[0] == rule_locale.casefold().split("-")[0]


async def _channel_type(session: AsyncSession, space_id: str, channel: str | None) -> str | None:
    if channel is None:
        return None
    found = (await session.execute(select(Channel.type).where(Channel.space_id == space_id,
                                                               Channel.channel_id == channel))).scalar_one_or_none()
    return found or channel


def _candidates(rules: list[InboundRule]) -> list[Candidate]:
    return [Candidate(r.id, r.channel, r.inbound, r.keyword, r.action, r.action_data or {}, r.locale) for r in rules]


def _default_optouts(channel_type: str | None) -> list[Candidate]:
    if channel_type not in PHONE_TYPES:
        return []
    out = []
    for locale, opt, words in DEFAULT_KEYWORDS:
        data: dict[str, Any] = {"opt": opt}
        if opt == "help":
            data["messageParts"] = [{"type": "text/plain", "data": HELP_TEXT}]
        out.append(Candidate(None, channel_type, "*", words, "optOutChange", data, locale))
    return out


def _first_match(candidates: list[Candidate], message: Message, channel_type: str | None, text: str,
                 profile: Profile | None) -> tuple[Candidate, str] | None:
    for candidate in candidates:
        if candidate.channel not in (message.channel, channel_type):
            continue
        if not _inbound_matches(candidate.inbound, message) or not _locale_matches(candidate.locale, profile):
            continue
        word = keyword_hit(candidate.keyword, text)
        if word is not None:
            return candidate, word
    return None


async def apply_inbound_rules(session: AsyncSession, space_id: str, message: Message,
                              profile: Profile | None) -> None:
    """Called by messages.inbound.receive_inbound once the inbound message is stored. A failing
    rule must never lose the inbound message (or a provider's send outcome it arrived with), so
    its work runs in a savepoint and a failure is recorded instead of raised."""
    try:
        async with session.begin_nested():
            await _apply(session, space_id, message, profile)
    except Exception as exc:
        log.exception("automation_failed", message_id=message.id)
        record_event(session, space_id, "automation.skipped", message.id,
                     {"inboundMessageId": message.id, "reason": "RuleFailed", "detail": repr(exc)[:500]})


async def _apply(session: AsyncSession, space_id: str, message: Message, profile: Profile | None) -> None:
    correlation = (message.request or {}).get("correlation") or {}
    if (correlation.get("metadata") or {}).get("automation"):
        return  # an answer to one of our automatic replies: never start a reply loop
    text = _text(message)
    if not text:
        return
    channel_type = await _channel_type(session, space_id, message.channel)
    optouts = _candidates(await list_rules(session, space_id, "optout")) or _default_optouts(channel_type)
    hit = _first_match(optouts, message, channel_type, text, profile)
    if hit is not None:
        await _opt_change(session, space_id, message, profile, channel_type, *hit)
        return
    hit = _first_match(_candidates(await list_rules(session, space_id, "keyword")), message, channel_type, text,
                       profile)
    if hit is not None:
        await _run_action(session, space_id, message, profile, *hit)


async def _locked_profile(session: AsyncSession, profile: Profile) -> Profile:
    stmt = (select(Profile).where(Profile.space_id == profile.space_id, Profile.id == profile.id)
            .with_for_update().execution_options(populate_existing=True))
    return (await session.execute(stmt)).scalar_one()


def _actor(candidate: Candidate) -> str:
    return f"automation:{candidate.rule_id or 'default'}"


async def _opt_change(session: AsyncSession, space_id: str, message: Message, profile: Profile | None,
                      channel_type: str | None, candidate: Candidate, word: str) -> None:
    from onecast.profiles.service import set_opt_ins

    opt = candidate.data.get("opt")
    if opt in ("out", "in"):
        channels = list(dict.fromkeys(c for c in (message.channel, channel_type) if c))
        opted_in = opt == "in"
        changed = False
        if profile is not None:
            profile = await _locked_profile(session, profile)
            before = dict(profile.opt_ins or {})
            await set_opt_ins(session, profile, channels, opted_in, _actor(candidate))
            changed = before != (profile.opt_ins or {})
        address = ",".join(str(v) for v in ((message.request or {}).get("from") or {}).values())[:320]
        session.add(OptInChange(space_id=space_id, profile_id=profile.id if profile else None, address=address,
                                channels=channels, opted_in=opted_in, keyword=word[:200], rule_id=candidate.rule_id,
                                message_id=message.id))
        record_event(session, space_id, "automation.optInChange", message.id, {
            "profileId": profile.id if profile else None, "from": (message.request or {}).get("from"),
            "channels": channels, "optedIn": opted_in, "changed": changed, "keyword": word,
            "ruleId": candidate.rule_id, "inboundMessageId": message.id})
    if candidate.data.get("messageParts"):
        await _reply(session, space_id, message, candidate, candidate.data["messageParts"])


async def _run_action(session: AsyncSession, space_id: str, message: Message, profile: Profile | None,
                      candidate: Candidate, word: str) -> None:
    payload = {"ruleId": candidate.rule_id, "keyword": word, "inboundMessageId": message.id,
               "profileId": profile.id if profile else None, "channel": message.channel,
               "from": (message.request or {}).get("from")}
    if candidate.action == "replyMessage":
        await _reply(session, space_id, message, candidate, candidate.data.get("messageParts") or [])
    elif candidate.action == "profileUpdate":
        await _update_profile(session, space_id, profile, candidate, payload)
    elif candidate.action == "startChat":
        await _start_chat(session, space_id, message, candidate, payload)


async def _start_chat(session: AsyncSession, space_id: str, message: Message, candidate: Candidate,
                      payload: dict[str, Any]) -> None:
    """Open (or continue) the sender's chat with the rule's team, whatever channels it takes."""
    from onecast.chat import inbox
    from onecast.chat.models import ChatTeam

    team_id = candidate.data.get("chatTeamId")
    team = await session.get(ChatTeam, (space_id, team_id)) if isinstance(team_id, str) else None
    if team is None or team.space_id != space_id:
        record_event(session, space_id, "automation.skipped", payload["inboundMessageId"],
                     {**payload, "reason": "UnknownChatTeam", "chatTeamId": team_id})
        return
    await inbox.on_inbound(session, space_id, message, team=team)
    record_event(session, space_id, "automation.startChat", message.id, {**payload, "chatTeamId": team_id})


async def _update_profile(session: AsyncSession, space_id: str, profile: Profile | None, candidate: Candidate,
                          payload: dict[str, Any]) -> None:
    from onecast.profiles.service import patch_profile

    if profile is None:
        record_event(session, space_id, "automation.skipped", payload["inboundMessageId"],
                     {**payload, "reason": "NoProfile"})
        return
    changes = {c["propertyName"]: c.get("propertyValue") for c in candidate.data.get("profileUpdate") or []}
    try:
        async with session.begin_nested():
            await patch_profile(session, await _locked_profile(session, profile), changes, [], _actor(candidate))
    except Problem as exc:
        record_event(session, space_id, "automation.skipped", payload["inboundMessageId"],
                     {**payload, "reason": exc.code, "detail": exc.detail})


async def _reply(session: AsyncSession, space_id: str, message: Message, candidate: Candidate,
                 parts: list[dict[str, Any]]) -> None:
    """Answer the sender on the channel it wrote on, from the address it wrote to."""
    from onecast.messages.service import send_many

    request = message.request or {}
    item: dict[str, Any] = {"to": dict(request.get("from") or {}), "rules": [message.channel], "messageParts": parts,
                            "metadata": {"automation": {"ruleId": candidate.rule_id, "inboundMessageId": message.id}}}
    to_number = (request.get("to") or {}).get("phoneNumber")
    channel_type = await _channel_type(session, space_id, message.channel)
    if channel_type in SMS_TYPES and isinstance(to_number, str) and 2 <= len(to_number) <= 15:
        item["channelOptions"] = {channel_type: {"from": to_number}}
    principal = AutomationPrincipal(candidate.rule_id or "default", space_id, "")
    try:
        async with session.begin_nested():
            await send_many(session, principal, [MessageIn.model_validate(item)])
    except (Problem, ValueError) as exc:
        log.info("automation_reply_failed", message_id=message.id, error=repr(exc)[:300])
        record_event(session, space_id, "automation.skipped", message.id,
                     {"ruleId": candidate.rule_id, "inboundMessageId": message.id, "reason": "ReplyFailed",
                      "detail": str(exc)[:500]})
