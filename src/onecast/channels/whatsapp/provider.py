"""The `whatsapp_cloud` provider: WhatsApp Cloud API (Graph API `POST /{version}/{phone-number-id}/messages`).

Channel config: phoneNumberId, accessToken (sending); appSecret, verifyToken (webhook);
baseUrl (default https://graph.facebook.com), apiVersion (default
vendor_http.GRAPH_API_VERSION), ratePerSecond.
Outside the 24-hour customer service window (from the user's last inbound message) only
template messages may be sent: anything else fails permanently with WhatsAppSessionWindowClosed,
so the message falls back to the next channel of its rules."""
from __future__ import annotations

from typing import Any

import httpx

from onecast.channels.base import OutboundMessage, SendResult
from onecast.channels.vendor_http import (
    GRAPH_API_VERSION,
    HttpProvider,
    Media,
    custom_payload,
    graph_error,
    http_failure,
    json_of,
)
from onecast.channels.whatsapp import messages, window
from onecast.kit.ssrf import AddressGuard

# Graph API error codes (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes)
WINDOW_CODES = {131047}
TRANSIENT_CODES = {1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056, 133004}


class WhatsAppCloudProvider(HttpProvider):
    name = "whatsapp_cloud"
    default_base_url = "https://graph.facebook.com"
    required = ("phoneNumberId", "accessToken")
    label = "WhatsApp"

    @property
    def _api(self) -> str:
        version = self.config.get("apiVersion") or GRAPH_API_VERSION
        return f"{self.base_url}/{version}/{self.config['phoneNumberId']}"

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.config['accessToken']}"}

    def build(self, message: OutboundMessage) -> list[dict[str, Any] | Media]:
        custom = custom_payload(message.custom_body)
        return [custom] if custom is not None else messages.build(message)

    async def refuse(self, message: OutboundMessage, items: list[Any]) -> SendResult | None:
        if all(isinstance(i, dict) and i.get("type") == "template" for i in items):
            return None
        last = await window.last_inbound(self.db, message.space_id, str(self.config["phoneNumberId"]),
                                         message.address)
        if last is None or last < window.now() - window.WINDOW:
            return SendResult.failed("WhatsAppSessionWindowClosed", window.WINDOW_RULE,
                                     lastInboundOn=last.isoformat() if last else None)
        return None

    async def send_item(self, message: OutboundMessage, item: dict[str, Any] | Media) -> str | SendResult:
        if isinstance(item, Media):
            media_id = item.media_id
            if item.content is not None:
                uploaded = await self._upload(item)
                if isinstance(uploaded, SendResult):
                    return uploaded
                media_id = uploaded
            item = messages.media_object(item, media_id)
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": message.address.lstrip("+"),
                   **item}
        response = await self.request("POST", f"{self._api}/messages", json=payload, headers=self._auth)
        if isinstance(response, SendResult):
            return response
        body = json_of(response)
        if response.is_success:
            try:
                return str(body["messages"][0]["id"])
            except (KeyError, IndexError, TypeError):
                return SendResult.transient("UnexpectedAnswer", f"WhatsApp answered {response.text[:200]!r}")
        return graph_failure(response, body)

    async def _upload(self, media: Media) -> str | SendResult:
        """POST /{phone-number-id}/media (multipart): the id it answers is used in the message."""
        response = await self.request(
            "POST", f"{self._api}/media", headers=self._auth,
            data={"messaging_product": "whatsapp", "type": media.mime},
            files={"file": (media.name or "file", media.content, media.mime)})
        if isinstance(response, SendResult):
            return response
        body = json_of(response)
        if response.is_success and body.get("id"):
            return str(body["id"])
        return graph_failure(response, body)


def known_failure(code: Any, text: str, details: dict[str, Any]) -> SendResult | None:
    """The result a Graph API error code means, when it has a meaning of its own."""
    if code in WINDOW_CODES:
        return SendResult.failed("WhatsAppSessionWindowClosed", f"{window.WINDOW_RULE} ({text})", **details)
    if code in TRANSIENT_CODES:
        return SendResult.transient("WhatsAppThrottled" if code in (4, 80007, 130429, 131056) else "WhatsAppUnavailable",
                                    text, **details)
    if code == 190:
        return SendResult.failed("ChannelMisconfigured", f"WhatsApp rejected the access token: {text}", **details)
    return None


def graph_failure(response: httpx.Response, body: dict[str, Any]) -> SendResult:
    code, _subcode, text, details = graph_error(response, body)
    return known_failure(code, text, details) or http_failure(response, "WhatsAppRejected", text, **details)


def status_failure(error: dict[str, Any]) -> SendResult:
    """A `failed` status's error (statuses[].errors[0], or the change's value.errors[0]) as the same
    result the error would be at send time."""
    code = error.get("code")
    data = error.get("error_data") if isinstance(error.get("error_data"), dict) else {}
    text = str(error.get("message") or error.get("title") or data.get("details") or f"WhatsApp error {code}")
    details = {"vendorCode": code} if code is not None else {}
    return known_failure(code, text, details) or SendResult.failed("WhatsAppRejected", text, **details)


def create(config: dict[str, Any], db: Any, guard: AddressGuard | None = None) -> WhatsAppCloudProvider:
    return WhatsAppCloudProvider(config, db, guard)
