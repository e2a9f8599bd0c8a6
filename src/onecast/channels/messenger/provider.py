"""The `messenger` provider: Messenger Platform Send API (`POST /{version}/{page-id}/messages`).

Channel config: pageId, pageAccessToken (sending); appSecret, verifyToken (webhook);
baseUrl (default https://graph.facebook.com), apiVersion (default
vendor_http.GRAPH_API_VERSION), ratePerSecond.
channelOptions.fbMessenger: messagingType (RESPONSE, UPDATE, MESSAGE_TAG) and messageTag."""
from __future__ import annotations

import json
from typing import Any

import httpx

from onecast.channels import capabilities as caps
from onecast.channels.base import OutboundMessage, SendResult
from onecast.channels.text_limits import TEXT_LIMITS, split_text
from onecast.channels.vendor_http import (
    GRAPH_API_VERSION,
    HttpProvider,
    Media,
    custom_payload,
    graph_error,
    http_failure,
    json_of,
    media_of,
    text_of,
)
from onecast.kit.ssrf import AddressGuard

ATTACHMENT_TYPES = {"image": "image", "audio": "audio", "video": "video", "file": "file"}
TRANSIENT_CODES = {1, 2, 4, 17, 32, 613, 1200}
WINDOW_SUBCODES = {2018278, 2018065}


def build(message: OutboundMessage) -> list[dict[str, Any] | Media]:
    """Messenger `message` objects in order (one attachment per message); a Media is resolved
    by the provider into a link, a reusable attachment id or an upload."""
    custom = custom_payload(message.custom_body)
    if custom is not None:
        return [custom]
    text = text_of(message.parts, message.body)
    items: list[dict[str, Any] | Media] = []
    buttons = None
    for part in message.parts:
        kind = caps.kind_of(part)
        if kind in caps.MEDIA:
            items.append(media_of(part, kind))
        elif kind == "buttons":
            buttons = part["data"]
    if buttons is not None:
        quick = [{"content_type": "text", "title": str(b["title"])[:20], "payload": str(b["id"])}
                 for b in buttons["buttons"]]
        items.append({"text": buttons["text"], "quick_replies": quick})
    if text:  # over message.text's limit: consecutive messages
        items[:0] = [{"text": piece} for piece in split_text(text, TEXT_LIMITS["fbMessenger"])]
    return items


class MessengerProvider(HttpProvider):
    name = "messenger"
    default_base_url = "https://graph.facebook.com"
    required = ("pageId", "pageAccessToken")
    label = "Messenger"

    def build(self, message: OutboundMessage) -> list[dict[str, Any] | Media]:
        return build(message)

    def sent_details(self, message: OutboundMessage) -> dict[str, Any]:
        return {"fbMessengerId": message.address}

    def _envelope(self, message: OutboundMessage) -> dict[str, Any]:
        tag = message.options.get("messageTag")
        kind = message.options.get("messagingType") or ("MESSAGE_TAG" if tag else "RESPONSE")
        envelope: dict[str, Any] = {"recipient": {"id": message.address}, "messaging_type": kind}
        if tag:
            envelope["tag"] = tag
        return envelope

    async def send_item(self, message: OutboundMessage, item: dict[str, Any] | Media) -> str | SendResult:
        envelope = self._envelope(message)
        version = self.config.get("apiVersion") or GRAPH_API_VERSION
        url = f"{self.base_url}/{version}/{self.config['pageId']}/messages"
        params = {"access_token": self.config["pageAccessToken"]}
        if isinstance(item, Media) and item.content is not None:
            attachment = {"attachment": {"type": ATTACHMENT_TYPES[item.kind], "payload": {"is_reusable": True}}}
            form = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in envelope.items()}
            response = await self.request("POST", url, params=params, data={**form, "message": json.dumps(attachment)},
                                          files={"filedata": (item.name or "file", item.content, item.mime)})
        else:
            if isinstance(item, Media):
                payload = {"attachment_id": item.media_id} if item.media_id else {"url": item.url, "is_reusable": True}
                item = {"attachment": {"type": ATTACHMENT_TYPES[item.kind], "payload": payload}}
            response = await self.request("POST", url, params=params, json={**envelope, "message": item})
        if isinstance(response, SendResult):
            return response
        body = json_of(response)
        if response.is_success and body.get("message_id"):
            return str(body["message_id"])
        return messenger_failure(response, body)


def messenger_failure(response: httpx.Response, body: dict[str, Any]) -> SendResult:
    code, subcode, text, details = graph_error(response, body)
    if subcode in WINDOW_SUBCODES:
        return SendResult.failed("MessengerWindowClosed", "outside Messenger's 24-hour standard messaging window "
                                 f"only tagged messages (channelOptions.fbMessenger.messageTag) are allowed ({text})",
                                 **details)
    if code in TRANSIENT_CODES:
        return SendResult.transient("MessengerThrottled", text, **details)
    if code == 190:
        return SendResult.failed("ChannelMisconfigured", f"Messenger rejected the page access token: {text}", **details)
    return http_failure(response, "MessengerRejected", text, **details)


def create(config: dict[str, Any], db: Any, guard: AddressGuard | None = None) -> MessengerProvider:
    return MessengerProvider(config, db, guard)
