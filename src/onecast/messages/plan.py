"""Planning a send: which channels of `rules` can reach the recipient, in order, and why the
others were skipped. Runs before anything is written."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from onecast.channels import capabilities, text_limits
from onecast.channels.service import ResolvedChannel
from onecast.channels.sms_encoding import MAX_SMS_CHARS, is_gsm7, segment_count, sender_error, to_gsm
from onecast.channels.types import PHONE_TYPES, SMS_TYPES, address_field
from onecast.channels.vendor_http import text_of
from onecast.kit.errors import invalid
from onecast.kit.phone import to_e164
from onecast.messages.render import channel_text
from onecast.messages.schemas import MessageIn
from onecast.profiles.models import Profile
from onecast.profiles.service import is_opted_in

OPT_REASONS = {"OptedOut", "NotOptedIn"}


@dataclass
class Plan:
    entries: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)

    @property
    def final_status(self) -> str | None:
        """The status of a message nothing can deliver, or None when something can."""
        if self.entries:
            return None
        if self.skipped and all(s["reason"] in OPT_REASONS for s in self.skipped):
            return "filtered"
        return "failed"

    @property
    def final_reason(self) -> str | None:
        """Why nothing can deliver: `OptedOut` when the recipient opted out of any channel tried,
        `NotOptedIn` when they only lacked the opt-in `requireOptIn` asks for, else `NoReachableChannel`."""
        status = self.final_status
        if status is None:
            return None
        if status == "failed":
            return "NoReachableChannel"
        return "OptedOut" if any(s["reason"] == "OptedOut" for s in self.skipped) else "NotOptedIn"


def _address(channel: ResolvedChannel, to: dict[str, Any], profile: Profile | None) -> str | None:
    name = address_field(channel.type, channel.config)
    if name == "profileId":
        return profile.id if profile else to.get("profileId")
    value = to.get(name)
    if value is None and profile is not None:
        value = (profile.data or {}).get(name)
    if value is None or value == "":
        return None
    value = str(value)
    if channel.type in PHONE_TYPES:
        return to_e164(value)
    return value


def sms_text(item: MessageIn, body: str | None, custom: Any) -> str:
    if isinstance(custom, dict) and isinstance(custom.get("body"), str):
        return custom["body"]
    if body is not None:
        return body
    for part in item.messageParts or []:
        if part.type.startswith("text/") and isinstance(part.data, str):
            return part.data
    return ""


def apply_replacements(text: str, options: Any) -> str:
    conversion = getattr(options, "unicodeConversion", None)
    if conversion is None:
        return text
    return to_gsm(text, conversion.customReplacements, lookalikes=conversion.convertUnicodeToGsm)


def check_sms(item: MessageIn, channel: ResolvedChannel, text: str, prefix: str) -> int:
    """Validate SMS content; return its segment count."""
    if len(text) > MAX_SMS_CHARS:
        raise invalid(f"{prefix}body", f"an SMS may hold at most {MAX_SMS_CHARS} characters, "
                                       f"this one has {len(text)}", "BodyTooLong")
    options = getattr(item.channelOptions, channel.type, None) if item.channelOptions else None
    if options is not None and options.allowUnicode is False and not is_gsm7(text):
        raise invalid(f"{prefix}channelOptions.{channel.type}.allowUnicode",
                      "the message contains characters outside the GSM alphabet and allowUnicode is false",
                      "UnicodeNotAllowed")
    sender = getattr(options, "from_", None)
    if sender is not None and sender_error(sender):
        raise invalid(f"{prefix}channelOptions.{channel.type}.from", sender_error(sender), "SenderInvalid")
    return segment_count(text)[1]


def check_text_limit(channel: ResolvedChannel, content: dict[str, Any], prefix: str) -> None:
    """400 TextTooLong when the text is over what a channel that does not split takes (WhatsApp)."""
    if (content.get("customBody") or {}).get(channel.channel) is not None:
        return  # the vendor's message object as given
    body = channel_text(content, channel.channel, "body")
    text = text_of(capabilities.parts_for(content, channel.channel), body)
    limit = text_limits.too_long(channel.type, text)
    if limit is not None:
        raise invalid(f"{prefix}body" if body is not None else f"{prefix}messageParts",
                      f"channel {channel.channel!r} ({channel.type}) takes at most {limit} characters of text "
                      f"in one message; this text has {text_limits.units(text)}", "TextTooLong")


def build_plan(item: MessageIn, channels: list[ResolvedChannel], profile: Profile | None,
               optin_defaults: dict[str, Any], content: dict[str, Any], prefix: str = "") -> Plan:
    to = item.to.model_dump(exclude_none=True)
    if item.to.phoneNumber is not None and to_e164(item.to.phoneNumber) is None:
        raise invalid(f"{prefix}to.phoneNumber", f"{item.to.phoneNumber!r} is not a valid phone number",
                      "ToInvalid")
    plan = Plan()
    for channel in channels:
        address = _address(channel, to, profile)
        if address is None:
            plan.skipped.append({"channel": channel.channel, "reason": "NoAddress"})
            continue
        opted = is_opted_in(optin_defaults, profile, channel.channel)
        if opted is None and channel.channel != channel.type:
            opted = is_opted_in(optin_defaults, profile, channel.type)
        if opted is False:
            plan.skipped.append({"channel": channel.channel, "reason": "OptedOut"})
            continue
        if item.requireOptIn and opted is not True:
            plan.skipped.append({"channel": channel.channel, "reason": "NotOptedIn"})
            continue
        entry = channel.as_plan_entry(address)
        degraded = capabilities.check(channel.channel, channel.type, content,
                                      (content.get("channelOptions") or {}).get(channel.type) or {}, prefix)
        if degraded:
            entry["degraded"] = degraded
        check_text_limit(channel, content, prefix)
        if channel.type in SMS_TYPES:
            custom = (content.get("customBody") or {}).get(channel.channel)
            options = getattr(item.channelOptions, channel.type, None) if item.channelOptions else None
            body = channel_text(content, channel.channel, "body")
            text = apply_replacements(sms_text(item, body, custom), options)
            entry["segments"] = check_sms(item, channel, text, prefix)
        plan.entries.append(entry)
    return plan
