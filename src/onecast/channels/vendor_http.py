"""What the HTTP providers (WhatsApp, Messenger, Telegram, custom) share: one httpx client per
channel, a per-channel send rate (`config.ratePerSecond`), media taken from message parts, and
how an HTTP answer becomes a retry (transient) or a fall-back to the next channel (permanent)."""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

import httpx

from onecast.channels.base import OutboundMessage, SendResult
from onecast.kit.ssrf import AddressGuard, BlockedTarget

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
TRANSIENT_HTTP = {408, 425, 429, 500, 502, 503, 504}
# Meta's Graph API version for WhatsApp and Messenger calls; a channel's `apiVersion` overrides it.
# v25.0 (released 2026-02-18) is available until 2028-07-29 (Meta's Graph API changelog).
GRAPH_API_VERSION = "v25.0"


class HttpProvider:
    """Base of the HTTP providers: `config` is the channel's config; `base_url` its vendor API."""

    name = "http"
    default_base_url = ""
    required: tuple[str, ...] = ()

    def __init__(self, config: dict[str, Any], db: Any, guard: AddressGuard | None = None) -> None:
        self.config = config
        self.db = db
        self.base_url = str(config.get("baseUrl") or self.default_base_url).rstrip("/")
        # `baseUrl` and the custom channel's `url` come from the API: only allowed addresses
        self.client = (guard or AddressGuard()).client(timeout=TIMEOUT)

    def misconfigured(self) -> SendResult | None:
        missing = [k for k in self.required if not self.config.get(k)]
        if missing:
            return SendResult.failed("ChannelMisconfigured",
                                     f"the {self.name} channel config lacks {', '.join(missing)}")
        return None

    label = "the vendor"

    def build(self, message: OutboundMessage) -> list[Any]:
        """The vendor calls one message takes, in order (overridden by each provider)."""
        raise NotImplementedError

    async def refuse(self, message: OutboundMessage, items: list[Any]) -> SendResult | None:
        """A reason not to send at all (e.g. WhatsApp's closed window); None to go on."""
        return None

    async def send_item(self, message: OutboundMessage, item: Any) -> str | SendResult:
        """One vendor call: the vendor's message id, or the failure."""
        raise NotImplementedError

    def sent_details(self, message: OutboundMessage) -> dict[str, Any]:
        return {}

    async def send(self, message: OutboundMessage) -> SendResult:
        problem = self.misconfigured()
        if problem is not None:
            return problem
        try:
            items = self.build(message)
        except (ValueError, KeyError, TypeError) as exc:
            return SendResult.failed("ContentNotSupported", f"{self.label} cannot send this content: {exc}")
        if not items:
            return SendResult.failed("NoContent", f"nothing to send on {self.label}")
        refused = await self.refuse(message, items)
        if refused is not None:
            return refused
        ids: list[str] = []
        for item in items:
            result = await self.send_item(message, item)
            if isinstance(result, SendResult):
                if ids:
                    result.details["sentBeforeFailure"] = ids
                return result
            ids.append(result)
        details = self.sent_details(message)
        if len(ids) > 1:
            details["providerMessageIds"] = ids
        return SendResult(ok=True, provider_message_id=ids[-1], details=details)

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response | SendResult:
        """One vendor call, paced; a network failure is a transient result."""
        try:
            return await self.client.request(method, url, **kwargs)
        except BlockedTarget as exc:
            return SendResult.failed("UrlNotAllowed", f"{self.name}: {exc}")
        except (httpx.InvalidURL, UnicodeError) as exc:  # a URL saved before URLs were checked: it never works
            return SendResult.failed("InvalidUrl", f"{self.name}: the URL cannot be sent to: {exc}"[:500])
        except httpx.HTTPError as exc:
            return SendResult.transient("ProviderUnreachable", f"{self.name}: {exc!r}"[:500])

    async def close(self) -> None:
        await self.client.aclose()



def graph_error(response: httpx.Response, body: dict[str, Any]) -> tuple[Any, Any, str, dict[str, Any]]:
    """Meta's Graph API error answer: (code, subcode, message, details for the status)."""
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    code, subcode = error.get("code"), error.get("error_subcode")
    details = {k: v for k, v in {"vendorCode": code, "vendorSubcode": subcode,
                                 "fbtraceId": error.get("fbtrace_id")}.items() if v is not None}
    return code, subcode, str(error.get("message") or response.text[:300]), details


def http_failure(response: httpx.Response, code: str, error: str, **details: Any) -> SendResult:
    """A vendor's error answer: retried when the vendor says so (429, 5xx), else permanent."""
    details = {"httpStatus": response.status_code, **details}
    retry_after = response.headers.get("retry-after")
    if retry_after:
        details["retryAfter"] = retry_after
    if response.status_code in TRANSIENT_HTTP:
        return SendResult.transient(code, error, **details)
    return SendResult.failed(code, error, **details)


def json_of(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@dataclass(frozen=True)
class Media:
    """A media part as a vendor wants it: a public link, an id uploaded before, or bytes to upload."""

    kind: str  # image, audio, video, file
    mime: str
    url: str | None = None
    media_id: str | None = None
    content: bytes | None = None
    name: str | None = None
    caption: str | None = None


def media_of(part: dict[str, Any], kind: str) -> Media:
    data = part.get("data")
    mime = str(part.get("type") or "application/octet-stream")
    name, caption = part.get("name"), None
    if isinstance(data, dict):
        caption = data.get("caption")
        if data.get("id"):
            return Media(kind, mime, media_id=str(data["id"]), name=name, caption=caption)
    if part.get("url"):
        return Media(kind, mime, url=part["url"], name=name, caption=caption)
    if isinstance(data, str):
        try:
            return Media(kind, mime, content=base64.b64decode(data, validate=True), name=name or "file")
        except (binascii.Error, ValueError):
            pass
    raise ValueError(f"a {kind} part needs `url`, base64 `data` or `data.id`")


def text_of(parts: list[dict[str, Any]], body: str | None) -> str | None:
    """The message's text: `body`, or its text parts joined by blank lines."""
    if body is not None:
        return body
    texts = [p["data"] for p in parts if str(p.get("type", "")).startswith("text/") and isinstance(p.get("data"), str)]
    return "\n\n".join(texts) if texts else None


def custom_payload(custom: Any) -> dict[str, Any] | None:
    """customBody.<channel>: the vendor's message object, given as an object or a JSON string."""
    if isinstance(custom, str):
        try:
            custom = json.loads(custom)
        except ValueError:
            return None
    return custom if isinstance(custom, dict) else None
