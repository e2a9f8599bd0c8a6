"""A stand-in for a browser vendor's push service (RFC 8030), checking what RFC 8292 (VAPID) and
RFC 8291 (aes128gcm) ask of an application server. It keeps the encrypted bodies; only the
test, holding the subscription's private key, can read them."""
from __future__ import annotations

import base64
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass
class WebPushPeer:
    application_server_key: str  # the VAPID public key subscriptions were created with (base64url)
    base_url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def _vapid_problem(self, header: str) -> str | None:
        scheme, _, params = header.partition(" ")
        if scheme.lower() != "vapid":
            return "Authorization scheme must be vapid"
        parts = dict(p.strip().split("=", 1) for p in params.split(",") if "=" in p)
        if parts.get("k") != self.application_server_key.rstrip("="):
            return "k is not the key the subscription was made with"
        point = b64url_decode(parts["k"])
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        try:
            claims = jwt.decode(parts.get("t", ""), pem, algorithms=["ES256"], audience=self.base_url,
                                options={"require": ["aud", "exp", "sub"]})
        except jwt.InvalidTokenError as exc:
            return f"invalid VAPID token: {exc}"
        if claims["exp"] > time.time() + 24 * 3600:
            return "exp more than 24 hours ahead"
        if not str(claims["sub"]).startswith(("mailto:", "https:")):
            return "sub must be a mailto: or https: URI"
        return None

    async def push(self, request: Request) -> Response:
        subscription = request.path_params["subscription"]
        if subscription in self.gone:
            return Response(status_code=410)
        headers = request.headers
        if "ttl" not in headers or not headers["ttl"].isdigit():
            return Response("TTL header required", status_code=400)
        if headers.get("content-encoding") != "aes128gcm":
            return Response("Content-Encoding must be aes128gcm", status_code=415)
        if "authorization" not in headers:
            return Response(status_code=401)
        problem = self._vapid_problem(headers["authorization"])
        if problem:
            return Response(problem, status_code=403)
        body = await request.body()
        if len(body) > 4096:
            return Response(status_code=413)
        message_id = next(self._ids)
        self.received.append({"subscription": subscription, "headers": dict(headers), "body": body})
        return Response(status_code=201, headers={"Location": f"{self.base_url}/messages/{message_id}"})

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/push/{subscription}", self.push, methods=["POST"])])
