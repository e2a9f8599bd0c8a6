"""A Messaging APIs v1.0 client written from reference/seed-003-spec.md: `x-api-key` + `x-api-id`
headers, the ApiResponse envelope."""

import httpx


class MsgApi:
    def __init__(self, space) -> None:
        self.space, self.client = space, space.client
        self.headers = {"x-api-key": space.key, "x-api-id": space.space_id}

    async def get(self, path: str, **kw):
        return await self.client.get(f"/api/v1{path}", headers={**self.headers, **kw.pop("headers", {})}, **kw)

    async def post(self, path: str, body, **kw):
        return await self.client.post(
            f"/api/v1{path}", json=body, headers={**self.headers, **kw.pop("headers", {})}, **kw
        )


def envelope_ok(r: httpx.Response) -> dict:
    """ApiResponse / ApiResultsMetaCompactResponse: status 200, statusKey SUCCESS, message, timestamp (ms)."""
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == 200 and body["statusKey"] == "SUCCESS"
    assert isinstance(body["message"], str) and isinstance(body["timestamp"], int) and body["timestamp"] > 10**12
    return body


def text(to: str = "919988776655", body: str = "Hello", channel: str = "sms") -> dict:
    return {"channelId": channel, "to": {"phone": to}, "type": "text", "text": {"body": body}}
