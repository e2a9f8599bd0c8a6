"""A stand-in for Google's OAuth token endpoint and the FCM HTTP v1 API, following their
documented wire formats: the JWT bearer grant (RFC 7523) checked against the service account's
public key, and `messages:send` with `google.firebase.fcm.v1.FcmError` error details."""
from __future__ import annotations

import itertools
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"


def _google_error(code: int, status: str, message: str, fcm_code: str | None = None) -> JSONResponse:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if fcm_code:
        error["details"] = [{"@type": FCM_ERROR_TYPE, "errorCode": fcm_code}]
    return JSONResponse({"error": error}, status_code=code)


@dataclass
class FcmPeer:
    public_key_pem: bytes
    client_email: str
    key_id: str
    project: str
    token_lifetime: int = 3600
    base_url: str = ""
    token_requests: int = 0
    rejected_assertions: list[str] = field(default_factory=list)
    access_tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (epoch)
    messages: list[dict[str, Any]] = field(default_factory=list)
    sent_by: list[tuple[str, str]] = field(default_factory=list)  # (project, client_email) per message
    unregistered: set[str] = field(default_factory=set)
    unavailable: int = 0  # answer this many sends with 503 UNAVAILABLE first
    # more service accounts, each of its own project: client_email -> (public key, key id, project)
    accounts: dict[str, tuple[bytes, str, str]] = field(default_factory=dict)
    token_owner: dict[str, str] = field(default_factory=dict)  # access token -> client_email
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def add_account(self, public_key_pem: bytes, client_email: str, key_id: str, project: str) -> None:
        self.accounts[client_email] = (public_key_pem, key_id, project)

    def _account(self, email: str) -> tuple[bytes, str, str]:
        return self.accounts.get(email) or (self.public_key_pem, self.key_id, self.project)

    def revoke_tokens(self) -> None:
        """As if every access token had expired on Google's side."""
        self.access_tokens.clear()

    async def token(self, request: Request) -> JSONResponse:
        self.token_requests += 1
        if request.headers.get("content-type", "").split(";")[0] != "application/x-www-form-urlencoded":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if form.get("grant_type") != JWT_BEARER:
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        assertion = str(form.get("assertion") or "")
        try:
            header = jwt.get_unverified_header(assertion)
            email = str(jwt.decode(assertion, options={"verify_signature": False}).get("iss"))
            public_key, key_id, _project = self._account(email)
            claims = jwt.decode(assertion, public_key, algorithms=["RS256"],
                                audience=f"{self.base_url}/token",
                                issuer=email if email in self.accounts else self.client_email,
                                options={"require": ["iss", "aud", "iat", "exp", "scope"]})
            if header.get("kid") != key_id:
                raise jwt.InvalidTokenError("unknown kid")
            if FCM_SCOPE not in str(claims["scope"]).split():
                raise jwt.InvalidTokenError("scope lacks firebase.messaging")
            if claims["exp"] - claims["iat"] > 3600:
                raise jwt.InvalidTokenError("assertion valid for more than an hour")
        except jwt.InvalidTokenError as exc:
            self.rejected_assertions.append(str(exc))
            return JSONResponse({"error": "invalid_grant", "error_description": str(exc)}, status_code=400)
        access = "ya29." + secrets.token_urlsafe(24)
        self.access_tokens[access] = time.time() + self.token_lifetime
        self.token_owner[access] = email
        return JSONResponse({"access_token": access, "expires_in": self.token_lifetime, "token_type": "Bearer"})

    async def send(self, request: Request) -> JSONResponse:
        project = request.path_params["project"]
        if project != self.project and project not in {a[2] for a in self.accounts.values()}:
            return _google_error(403, "PERMISSION_DENIED", "wrong project", "SENDER_ID_MISMATCH")
        auth = request.headers.get("authorization", "")
        access = auth.removeprefix("Bearer ")
        expiry = self.access_tokens.get(access)
        if not auth.startswith("Bearer ") or expiry is None or expiry < time.time():
            return _google_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        owner = self.token_owner.get(access, self.client_email)
        if self._account(owner)[2] != project:  # the account has no permission on another project
            return _google_error(403, "PERMISSION_DENIED", "The caller does not have permission", "SENDER_ID_MISMATCH")
        body = await request.json()
        message = body.get("message") if isinstance(body, dict) else None
        problem = _message_problem(message)
        if problem:
            return _google_error(400, "INVALID_ARGUMENT", problem, "INVALID_ARGUMENT")
        if self.unavailable > 0:
            self.unavailable -= 1
            return _google_error(503, "UNAVAILABLE", "The service is currently unavailable.", "UNAVAILABLE")
        if message["token"] in self.unregistered:
            return _google_error(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED")
        self.messages.append(message)
        self.sent_by.append((project, owner))
        return JSONResponse({"name": f"projects/{project}/messages/0:{next(self._ids)}"})

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/token", self.token, methods=["POST"]),
                                 Route("/v1/projects/{project}/messages:send", self.send, methods=["POST"])])


def _message_problem(message: Any) -> str | None:
    if not isinstance(message, dict):
        return "message is required"
    if sum(1 for k in ("token", "topic", "condition") if k in message) != 1:
        return "exactly one of token, topic, condition"
    if "token" not in message:
        return "this peer only knows token targets"
    data = message.get("data", {})
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        return "data values must be strings"
    notification = message.get("notification", {})
    if set(notification) - {"title", "body", "image"}:
        return "unknown notification field"
    ttl = (message.get("android") or {}).get("ttl")
    if ttl is not None and not re.fullmatch(r"\d+(\.\d{1,9})?s", str(ttl)):
        return "android.ttl must be a duration like 3.5s"
    priority = (message.get("android") or {}).get("priority")
    if priority not in (None, "normal", "high", "NORMAL", "HIGH"):
        return "invalid android.priority"
    return None
