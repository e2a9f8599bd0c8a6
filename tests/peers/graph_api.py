"""A fake of Meta's Graph API for the WhatsApp Cloud API (`/{version}/{phone-number-id}/messages`
and `/media`) and the Messenger Send API (`/{version}/{page-id}/messages`), answering and failing
in their documented formats, plus builders for their signed webhook notifications."""
from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
from typing import Any

from tests.peers.http_peer import HttpPeer, Recorded

WA_TYPES = {"text", "image", "audio", "video", "document", "sticker", "location", "contacts", "interactive",
            "template", "reaction"}
MESSAGING_TYPES = {"RESPONSE", "UPDATE", "MESSAGE_TAG"}


def graph_error(code: int, message: str, subcode: int | None = None) -> dict[str, Any]:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf123"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


def hub_signature(app_secret: str, raw: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()


class GraphApiPeer(HttpPeer):
    def __init__(self, *, phone_number_id: str = "1055", wa_token: str = "wa-token", page_id: str = "777",
                 page_token: str = "page-token") -> None:
        super().__init__()
        self.phone_number_id, self.wa_token = phone_number_id, wa_token
        self.page_id, self.page_token = page_id, page_token
        self.closed_windows: set[str] = set()  # wa_ids whose 24-hour window Meta considers closed
        self._ids = itertools.count(1)

    def sent(self, kind: str = "whatsapp") -> list[Recorded]:
        owner = self.phone_number_id if kind == "whatsapp" else self.page_id
        return [r for r in self.requests if re.fullmatch(rf"/v[\d.]+/{owner}/messages", r.path)]

    def route(self, request: Recorded) -> tuple[int, Any]:
        match = re.fullmatch(r"/(v[\d.]+)/([^/]+)/(messages|media)", request.path)
        if request.method != "POST" or not match:
            return 404, graph_error(803, "Unknown path")
        owner, edge = match.group(2), match.group(3)
        if owner == self.phone_number_id:
            if request.headers.get("authorization") != f"Bearer {self.wa_token}":
                return 401, graph_error(190, "Invalid OAuth access token.")
            return self._whatsapp_media(request) if edge == "media" else self._whatsapp_message(request)
        if owner == self.page_id and edge == "messages":
            if request.query.get("access_token") != self.page_token:
                return 400, graph_error(190, "Invalid OAuth access token.")
            return self._messenger(request)
        return 400, graph_error(100, "Unsupported post request.")

    def _whatsapp_message(self, request: Recorded) -> tuple[int, Any]:
        body = request.json or {}
        kind = body.get("type", "text")
        if body.get("messaging_product") != "whatsapp" or not str(body.get("to", "")).isdigit():
            return 400, graph_error(100, "(#100) The parameter messaging_product and to are required.")
        if kind not in WA_TYPES or kind not in body:
            return 400, graph_error(100, f"(#100) Param {kind} is required.")
        problem = _whatsapp_content_problem(kind, body[kind])
        if problem:
            return 400, graph_error(100, f"(#100) {problem}")
        if kind != "template" and body["to"] in self.closed_windows:
            return 400, graph_error(131047, "Re-engagement message")
        return 200, {"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                     "messages": [{"id": f"wamid.HBgL{next(self._ids)}"}]}

    def _whatsapp_media(self, request: Recorded) -> tuple[int, Any]:
        if request.form.get("messaging_product") != "whatsapp" or "file" not in request.files:
            return 400, graph_error(100, "(#100) messaging_product and file are required")
        return 200, {"id": f"media{next(self._ids)}"}

    def _messenger(self, request: Recorded) -> tuple[int, Any]:
        if request.json is not None:
            body = request.json
        else:  # multipart upload: JSON-encoded fields next to `filedata`
            body = {k: json.loads(v) if v.startswith("{") else v for k, v in request.form.items()}
        recipient, kind, message = body.get("recipient") or {}, body.get("messaging_type"), body.get("message") or {}
        if not recipient.get("id") or kind not in MESSAGING_TYPES:
            return 400, graph_error(100, "(#100) recipient and messaging_type are required")
        if kind == "MESSAGE_TAG" and not body.get("tag"):
            return 400, graph_error(100, "(#100) Tag is required for MESSAGE_TAG")
        if not message.get("text") and not message.get("attachment"):
            return 400, graph_error(100, "(#100) Message cannot be empty, must provide valid attachment or text")
        if len(message.get("text") or "") > 2000:  # Send API: message.text "must be UTF-8 and has a 2000 character limit"
            return 400, graph_error(100, "(#100) Length of param message[text] must be less than or equal to 2000")
        if len(message.get("quick_replies") or []) > 13:
            return 400, graph_error(100, "(#100) param message[quick_replies] must have at most 13 items")
        return 200, {"recipient_id": recipient["id"], "message_id": f"m_{next(self._ids)}"}


def _whatsapp_content_problem(kind: str, content: Any) -> str | None:
    if kind == "text":
        if not isinstance(content, dict) or not content.get("body"):
            return "text.body is required"
        return "text.body is at most 4096 characters" if len(content["body"]) > 4096 else None
    if kind in ("image", "audio", "video", "document", "sticker"):
        if not isinstance(content, dict) or bool(content.get("link")) == bool(content.get("id")):
            return f"{kind} needs exactly one of link or id"
        return None
    if kind == "template":
        ok = isinstance(content, dict) and content.get("name") and (content.get("language") or {}).get("code")
        return None if ok else "template.name and template.language.code are required"
    if kind == "interactive":
        action = (content or {}).get("action") or {}
        if content.get("type") == "button":
            buttons = action.get("buttons") or []
            ok = 1 <= len(buttons) <= 3 and all(b.get("type") == "reply" and b["reply"].get("id") for b in buttons)
            return None if ok else "interactive buttons: 1 to 3 reply buttons"
        if content.get("type") == "list":
            return None if action.get("button") and action.get("sections") else "interactive list: button, sections"
        return "interactive.type is invalid"
    if kind == "location":
        return None if {"latitude", "longitude"} <= set(content or {}) else "location needs latitude and longitude"
    if kind == "contacts":
        return None if isinstance(content, list) and all(c.get("name") for c in content) else "contacts[].name"
    return None


def whatsapp_notification(phone_number_id: str, *, messages: list[dict] | None = None,
                          statuses: list[dict] | None = None, display: str = "15550001111") -> dict[str, Any]:
    value: dict[str, Any] = {"messaging_product": "whatsapp",
                             "metadata": {"display_phone_number": display, "phone_number_id": phone_number_id}}
    if messages:
        value["contacts"] = [{"profile": {"name": "Kerry"}, "wa_id": m["from"]} for m in messages]
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "WABA1", "changes": [{"value": value, "field": "messages"}]}]}


def messenger_notification(page_id: str, events: list[dict]) -> dict[str, Any]:
    return {"object": "page", "entry": [{"id": page_id, "time": 1700000000000, "messaging": events}]}
