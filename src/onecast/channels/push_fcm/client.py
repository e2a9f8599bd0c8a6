"""Sending one message to one device over the FCM HTTP v1 API
(POST {base}/v1/projects/{project}/messages:send, errors per `google.firebase.fcm.v1.FcmError`)."""
from __future__ import annotations

import json
from typing import Any

import httpx

from onecast.channels.push.content import DeviceResult, PushContent, PushTarget, deep_merge
from onecast.channels.push.tls import verify_for
from onecast.channels.push_fcm.oauth import ServiceAccountToken, TokenError, load_service_account
from onecast.kit.ssrf import AddressGuard

FCM_BASE_URL = "https://fcm.googleapis.com"
FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
RETRY_CODES = {"UNAVAILABLE", "INTERNAL", "QUOTA_EXCEEDED"}


def fcm_message(target: PushTarget, content: PushContent) -> dict[str, Any]:
    """The v1 `message`: Comapi's data keys (`dd_originated`, `dd_deepLink`, `dd_data`, title,
    body; FCM data values are strings) plus a `notification` unless the push is silent."""
    data = {"dd_originated": "true", "messageId": content.message_id}
    if content.title is not None:
        data["title"] = content.title
    if content.body is not None:
        data["body"] = content.body
    link = content.deep_link("fcm")
    if link:
        data["dd_deepLink"] = json.dumps(link, separators=(",", ":"))
    if "fcm" in content.data:
        data["dd_data"] = json.dumps(content.data["fcm"], separators=(",", ":"))
    message: dict[str, Any] = {"token": target.token, "data": data,
                               "android": {"priority": "normal" if content.silent else "high"}}
    notification = {k: v for k, v in (("title", content.title), ("body", content.body),
                                      ("image", content.image)) if v}
    if notification and not content.silent:
        message["notification"] = notification
    ttl = content.ttl_seconds()
    if ttl is not None:
        message["android"]["ttl"] = f"{ttl}s"
    return deep_merge(message, content.custom.get("fcm"))


def _error_code(response: httpx.Response) -> tuple[str, str]:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        return f"HTTP{response.status_code}", response.text[:300]
    for detail in error.get("details") or []:
        if detail.get("@type") == FCM_ERROR_TYPE and detail.get("errorCode"):
            return detail["errorCode"], error.get("message", "")
    return error.get("status") or f"HTTP{response.status_code}", error.get("message", "")


class FcmClient:
    """Config: `serviceAccount` (the JSON), optional `projectId` (default: the account's
    `project_id`), `baseUrl` (default https://fcm.googleapis.com), `tokenUrl` (default: the
    account's `token_uri`), `caFile` (trust this CA bundle instead of the public roots)."""

    platform = "fcm"

    def __init__(self, config: dict[str, Any], guard: AddressGuard | None = None) -> None:
        account = load_service_account(config.get("serviceAccount"))
        self.project = config.get("projectId") or account.get("project_id")
        if not self.project:
            raise ValueError("fcm needs projectId (or project_id in the service account)")
        self.url = f"{(config.get('baseUrl') or FCM_BASE_URL).rstrip('/')}/v1/projects/{self.project}/messages:send"
        self.http = (guard or AddressGuard()).client(http2=True, timeout=httpx.Timeout(15.0, connect=5.0),
                                                    verify=verify_for(config))
        self.token = ServiceAccountToken(account, self.http, token_url=config.get("tokenUrl"))

    async def send(self, target: PushTarget, content: PushContent) -> DeviceResult:
        body = {"message": fcm_message(target, content)}
        for attempt in (1, 2):  # a rejected access token is refreshed once
            try:
                access = await self.token.get()
            except TokenError as exc:
                return DeviceResult("retry" if exc.transient else "rejected", code="FcmAuthFailed", error=str(exc))
            try:
                response = await self.http.post(self.url, json=body, headers={"Authorization": f"Bearer {access}"})
            except httpx.HTTPError as exc:
                return DeviceResult("retry", code="FcmUnreachable", error=repr(exc))
            if response.status_code == 401 and attempt == 1 and _error_code(response)[0] == "UNAUTHENTICATED":
                self.token.invalidate(access)
                continue
            return self._result(response)
        raise AssertionError("unreachable")

    @staticmethod
    def _result(response: httpx.Response) -> DeviceResult:
        if response.status_code == 200:
            return DeviceResult("accepted", provider_id=response.json().get("name"))
        code, error = _error_code(response)
        if code == "UNREGISTERED" or response.status_code == 404:
            return DeviceResult("gone", code=code, error=error)
        if code in RETRY_CODES or response.status_code in (429, 500, 502, 503, 504):
            return DeviceResult("retry", code=code, error=error, retry_after=response.headers.get("retry-after"))
        return DeviceResult("rejected", code=code, error=error)

    async def close(self) -> None:
        await self.http.aclose()
