"""A stand-in for the APNs provider API, following Apple's documented wire format: HTTP/2 only,
`POST /3/device/{token}`, token authentication (`authorization: bearer <ES256 JWT>` with `kid`
and `iss`/`iat`), the apns-* headers, and `{"reason": ...}` error bodies."""
from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography import x509
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PUSH_TYPES = {"alert", "background", "location", "voip", "complication", "fileprovider", "mdm", "liveactivity"}
MAX_PAYLOAD = 4096


def _reason(status: int, reason: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"reason": reason, **extra}, status_code=status)


@dataclass
class ApnsPeer:
    team_id: str
    key_id: str
    public_key_pem: bytes
    topics: set[str]
    notifications: list[dict[str, Any]] = field(default_factory=list)
    http_versions: set[str] = field(default_factory=set)
    provider_tokens: set[str] = field(default_factory=set)
    unregistered: set[str] = field(default_factory=set)
    stale_tokens: set[str] = field(default_factory=set)  # answered ExpiredProviderToken once
    # certificate authentication (behind tests.peers.tls_front): source port -> client cert DER
    client_certs: dict[int, bytes | None] = field(default_factory=dict)

    def _certificate(self, request: Request) -> bytes | None:
        if "authorization" in request.headers:
            return None
        return self.client_certs.get(request.scope["client"][1])

    @staticmethod
    def _certificate_topic(der: bytes) -> str | None:
        """Apple's push certificates carry their bundle id in the subject's UID."""
        values = x509.load_der_x509_certificate(der).subject.get_attributes_for_oid(NameOID.USER_ID)
        return str(values[0].value) if values else None

    def _auth_problem(self, header: str) -> str | None:
        if not header.lower().startswith("bearer "):
            return "MissingProviderToken"
        token = header[7:]
        try:
            if jwt.get_unverified_header(token).get("kid") != self.key_id:
                return "InvalidProviderToken"
            claims = jwt.decode(token, self.public_key_pem, algorithms=["ES256"],
                                options={"require": ["iss", "iat"]}, issuer=self.team_id)
        except jwt.InvalidTokenError:
            return "InvalidProviderToken"
        if claims["iat"] < time.time() - 3600 or token in self.stale_tokens:
            return "ExpiredProviderToken"
        self.provider_tokens.add(token)
        return None

    async def push(self, request: Request) -> Response:
        self.http_versions.add(request.scope["http_version"])
        if request.scope["http_version"] != "2":
            return Response(status_code=505)  # APNs is HTTP/2 only
        certificate = self._certificate(request)
        headers = request.headers
        if certificate is not None:  # the topic defaults to the certificate's, and must be it
            topic = self._certificate_topic(certificate)
            if topic is None:
                return _reason(403, "BadCertificate")
            if headers.get("apns-topic", topic) != topic:
                return _reason(400, "TopicDisallowed")
        else:
            problem = self._auth_problem(request.headers.get("authorization", ""))
            if problem:
                return _reason(403, problem)
        token = request.path_params["token"]
        if headers.get("apns-topic") not in self.topics:
            return _reason(400, "TopicDisallowed" if headers.get("apns-topic") else "MissingTopic")
        push_type = headers.get("apns-push-type", "alert")
        if push_type not in PUSH_TYPES:
            return _reason(400, "InvalidPushType")
        priority = headers.get("apns-priority", "10")
        if priority not in ("1", "5", "10") or (push_type == "background" and priority != "5"):
            return _reason(400, "BadPriority")
        if "apns-expiration" in headers and not headers["apns-expiration"].isdigit():
            return _reason(400, "BadExpirationDate")
        raw = await request.body()
        if len(raw) > MAX_PAYLOAD:
            return _reason(413, "PayloadTooLarge")
        try:
            payload = json.loads(raw)
        except ValueError:
            return _reason(400, "BadMessageId" if not raw else "PayloadEmpty")
        if not isinstance(payload, dict) or not isinstance(payload.get("aps"), dict):
            return _reason(400, "PayloadEmpty")
        if not re.fullmatch(r"[0-9a-f]{64}", token):
            return _reason(400, "BadDeviceToken")
        if token in self.unregistered:
            return _reason(410, "Unregistered", timestamp=int(time.time() * 1000))
        apns_id = str(uuid.uuid4()).upper()
        self.notifications.append({"token": token, "headers": dict(headers), "payload": payload, "apnsId": apns_id,
                                   "certificate": hashlib.sha256(certificate).hexdigest() if certificate else None})
        return Response(status_code=200, headers={"apns-id": apns_id})

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/3/device/{token}", self.push, methods=["POST"])])
