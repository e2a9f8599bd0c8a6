"""App-user helpers shared by the conversation, chat and browser tests: a space's backend
signing login JWTs, and the session handshake a client SDK performs."""
from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
import jwt

SECRET = "the space backend's shared secret"
ISSUER = "https://backend.example"
AUDIENCE = "https://onecast.example"


def login_jwt(user_id: str, nonce: str, *, secret: str = SECRET, issuer: str = ISSUER, audience: str = AUDIENCE,
              claim: str = "sub", lifetime: int = 3600) -> str:
    now = int(time.time())
    return jwt.encode({claim: user_id, "nonce": nonce, "iss": issuer, "aud": audience, "iat": now,
                       "exp": now + lifetime}, secret, algorithm="HS256")


async def configure_auth(space, claim: str = "sub") -> None:
    r = await space.put("/auth", json={"issuer": ISSUER, "audience": AUDIENCE, "sharedSecret": SECRET,
                                       "idClaim": claim})
    assert r.status_code == 200, r.text


@dataclass
class AppUser:
    """A client authenticated with a session token, like the JS SDK after login."""

    client: httpx.AsyncClient
    space_id: str
    profile_id: str
    session_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def request(self, method: str, suffix: str, **kwargs) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.client.request(method, f"/apispaces/{self.space_id}{suffix}", headers=headers, **kwargs)


async def start_session(client: httpx.AsyncClient, space_id: str, user_id: str | None = None, *,
                        anonymous_id: str | None = None) -> AppUser:
    start = await client.get(f"/apispaces/{space_id}/sessions/start")
    assert start.status_code == 200, start.text
    challenge = start.json()
    if anonymous_id is not None:
        r = await client.get(f"/apispaces/{space_id}/sessions/tokens/anon",
                             params={"id": anonymous_id, "nonce": challenge["nonce"]})
        assert r.status_code == 200, r.text
        token = r.json()["token"]
    else:
        token = login_jwt(user_id, challenge["nonce"])
    r = await client.post(f"/apispaces/{space_id}/sessions", json={
        "authenticationId": challenge["authenticationId"], "authenticationToken": token,
        "deviceId": "device-1", "platform": "javascript", "sdkType": "native"})
    assert r.status_code == 201, r.text
    body = r.json()
    return AppUser(client, space_id, body["session"]["profileId"], body["session"]["id"], body["token"])
