"""The `telegram` provider: Telegram Bot API (`POST {baseUrl}/bot<token>/<method>`).

Channel config: botToken (sending), secretToken (the `secret_token` given to setWebhook; the
webhook checks it in `X-Telegram-Bot-Api-Secret-Token`), baseUrl (default https://api.telegram.org),
ratePerSecond. Text goes with sendMessage, images with sendPhoto, files with sendDocument (audio
and video with sendAudio/sendVideo, locations with sendLocation); buttons become an inline
keyboard whose presses come back as inbound messages. Telegram reports no delivery receipts."""
from __future__ import annotations

import json
import re
from typing import Any

import httpx
import structlog

from onecast.channels import capabilities as caps
from onecast.channels.base import ConfigError, OutboundMessage, SendResult
from onecast.channels.text_limits import TEXT_LIMITS, split_text
from onecast.channels.vendor_http import HttpProvider, Media, custom_payload, http_failure, json_of, media_of, text_of
from onecast.kit.ssrf import AddressGuard, BlockedTarget

MEDIA_METHODS = {"image": ("sendPhoto", "photo"), "file": ("sendDocument", "document"),
                 "audio": ("sendAudio", "audio"), "video": ("sendVideo", "video")}
CAPTION_MAX = 1024
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
log = structlog.get_logger("onecast.telegram")


def keyboard(data: dict[str, Any]) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": str(b["title"]), "callback_data": str(b["id"])[:64]}]
                                for b in data["buttons"]]}


def build(message: OutboundMessage) -> list[tuple[str, dict[str, Any], Media | None]]:
    """(method, fields, media) calls in order; a lone media part takes the text as its caption."""
    custom = custom_payload(message.custom_body)
    if custom is not None:  # a Bot API call's fields, with `method` naming it (default sendMessage)
        fields = {k: v for k, v in custom.items() if k != "method"}
        return [(str(custom.get("method") or "sendMessage"), fields, None)]
    text = text_of(message.parts, message.body)
    calls: list[tuple[str, dict[str, Any], Media | None]] = []
    for part in message.parts:
        kind = caps.kind_of(part)
        if kind in caps.MEDIA:
            media = media_of(part, kind)
            calls.append((MEDIA_METHODS[kind][0], {"caption": media.caption} if media.caption else {}, media))
        elif kind == "location":
            calls.append(("sendLocation", {"latitude": part["data"]["latitude"],
                                           "longitude": part["data"]["longitude"]}, None))
        elif kind == "buttons":
            calls.append(("sendMessage", {"text": part["data"]["text"], "reply_markup": keyboard(part["data"])},
                          None))
    media_calls = [c for c in calls if c[2] is not None]
    if text and len(calls) == 1 and media_calls and "caption" not in calls[0][1] and len(text) <= CAPTION_MAX:
        calls[0][1]["caption"] = text
    elif text:  # over sendMessage's limit: consecutive messages
        calls[:0] = [("sendMessage", {"text": piece}, None) for piece in split_text(text, TEXT_LIMITS["telegram"])]
    return calls


class TelegramProvider(HttpProvider):
    name = "telegram"
    default_base_url = "https://api.telegram.org"
    required = ("botToken",)
    label = "Telegram"

    def build(self, message: OutboundMessage) -> list[tuple[str, dict[str, Any], Media | None]]:
        return build(message)

    async def send_item(self, message: OutboundMessage, item: tuple[str, dict[str, Any], Media | None]
                        ) -> str | SendResult:
        method, fields, media = item
        fields = {"chat_id": message.address, **fields}
        url = f"{self.base_url}/bot{self.config['botToken']}/{method}"
        if media is not None and media.content is not None:  # an upload: multipart/form-data
            field = MEDIA_METHODS[media.kind][1]
            form = {k: json.dumps(v) if isinstance(v, (dict, list)) else str(v) for k, v in fields.items()}
            response = await self.request("POST", url, data=form,
                                          files={field: (media.name or "file", media.content, media.mime)})
        else:
            if media is not None:
                fields = {**fields, MEDIA_METHODS[media.kind][1]: media.media_id or media.url}
            response = await self.request("POST", url, json=fields)
        if isinstance(response, SendResult):
            return response
        body = json_of(response)
        if response.is_success and body.get("ok") and isinstance(body.get("result"), dict):
            result = body["result"]
            return f"{(result.get('chat') or {}).get('id', fields['chat_id'])}:{result.get('message_id')}"
        return telegram_failure(response, body)


def telegram_failure(response: httpx.Response, body: dict[str, Any]) -> SendResult:
    text = str(body.get("description") or response.text[:300])
    retry_after = (body.get("parameters") or {}).get("retry_after") if isinstance(body.get("parameters"), dict) else None
    details = {k: v for k, v in {"vendorCode": body.get("error_code"), "retryAfter": retry_after}.items()
               if v is not None}
    if response.status_code == 401:
        return SendResult.failed("ChannelMisconfigured", f"Telegram rejected the bot token: {text}", **details)
    if response.status_code == 403:
        return SendResult.failed("TelegramBlocked", text, **details)
    return http_failure(response, "TelegramRejected", text, **details)


def validate_config(config: dict[str, Any]) -> None:
    """setWebhook's secret_token: 1-256 characters, only A-Z, a-z, 0-9, _ and - (Telegram refuses others)."""
    token = config.get("secretToken")
    if token is not None and (not isinstance(token, str) or not SECRET_TOKEN.fullmatch(token)):
        raise ConfigError("secretToken", "Telegram's secret_token is 1 to 256 characters A-Z, a-z, 0-9, _ or -")


async def answer_callback(config: dict[str, Any], query_id: str, guard: AddressGuard) -> bool:
    """answerCallbackQuery: until a button press is answered the user's client shows it loading.
    Best effort (the press is stored either way); True when Telegram took the answer."""
    if not config.get("botToken"):
        return False
    base_url = str(config.get("baseUrl") or TelegramProvider.default_base_url).rstrip("/")
    try:
        async with guard.client(timeout=httpx.Timeout(10.0, connect=5.0)) as client:
            response = await client.post(f"{base_url}/bot{config['botToken']}/answerCallbackQuery",
                                         json={"callback_query_id": query_id})
    except (httpx.HTTPError, BlockedTarget, UnicodeError) as exc:
        log.warning("telegram_callback_unanswered", error=repr(exc)[:300])
        return False
    return response.is_success and json_of(response).get("ok") is True


def create(config: dict[str, Any], db: Any, guard: AddressGuard | None = None) -> TelegramProvider:
    return TelegramProvider(config, db, guard)
