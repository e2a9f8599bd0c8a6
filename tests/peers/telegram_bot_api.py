"""A fake of the Telegram Bot API (`POST /bot<token>/<method>`, JSON or multipart/form-data),
answering `{"ok": true, "result": Message}` or `{"ok": false, "error_code", "description"}`."""
from __future__ import annotations

import itertools
import re
import time
from typing import Any

from tests.peers.http_peer import HttpPeer, Recorded

TEXT_MAX = 4096
MEDIA_FIELDS = {"sendPhoto": "photo", "sendDocument": "document", "sendAudio": "audio", "sendVideo": "video"}


def failure(code: int, description: str, **parameters: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


class TelegramPeer(HttpPeer):
    def __init__(self, token: str = "123:ABC") -> None:
        super().__init__()
        self.token = token
        self.blocked: set[str] = set()
        self._ids = itertools.count(100)

    def calls(self, method: str | None = None) -> list[tuple[str, dict[str, Any], Recorded]]:
        found = []
        for r in self.requests:
            match = re.fullmatch(r"/bot([^/]+)/(\w+)", r.path)
            if match and (method is None or match.group(2) == method):
                found.append((match.group(2), r.json if r.json is not None else r.form, r))
        return found

    def route(self, request: Recorded) -> tuple[int, Any]:
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", request.path)
        if not match or match.group(1) != self.token:
            return 401, failure(401, "Unauthorized")
        method = match.group(2)
        fields = request.json if request.json is not None else request.form
        if method == "answerCallbackQuery":  # Bot API: callback_query_id required, answers True
            if not fields.get("callback_query_id"):
                return 400, failure(400, "Bad Request: query_id is empty")
            return 200, {"ok": True, "result": True}
        chat_id = str(fields.get("chat_id", ""))
        if not chat_id:
            return 400, failure(400, "Bad Request: chat_id is empty")
        if chat_id in self.blocked:
            return 403, failure(403, "Forbidden: bot was blocked by the user")
        result: dict[str, Any] = {"message_id": next(self._ids), "date": int(time.time()),
                                  "chat": {"id": int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id,
                                           "type": "private"}}
        if method == "sendMessage":
            if not fields.get("text"):
                return 400, failure(400, "Bad Request: message text is empty")
            if len(fields["text"]) > TEXT_MAX:  # sendMessage: "1-4096 characters after entities parsing"
                return 400, failure(400, "Bad Request: message is too long")
            result["text"] = fields["text"]
        elif method in MEDIA_FIELDS:
            field = MEDIA_FIELDS[method]
            if not fields.get(field) and field not in request.files:
                return 400, failure(400, f"Bad Request: there is no {field} in the request")
        elif method == "sendLocation":
            if "latitude" not in fields or "longitude" not in fields:
                return 400, failure(400, "Bad Request: latitude and longitude are required")
        else:
            return 404, failure(404, "Not Found: method not found")
        return 200, {"ok": True, "result": result}


def update(update_id: int, **content: Any) -> dict[str, Any]:
    return {"update_id": update_id, **content}


def message(chat_id: int, message_id: int, **fields: Any) -> dict[str, Any]:
    return {"message_id": message_id, "date": int(time.time()),
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ada"},
            "chat": {"id": chat_id, "type": "private", "first_name": "Ada"}, **fields}
