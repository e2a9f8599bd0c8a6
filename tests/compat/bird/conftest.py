import pytest


class Bird:
    """A Bird Channels API client: `Authorization: AccessKey <key>`, workspace = the API space."""

    def __init__(self, space) -> None:
        self.space = space
        self.client = space.client
        self.headers = {"Authorization": f"AccessKey {space.key}"}

    def url(self, suffix: str, workspace: str | None = None) -> str:
        return f"/workspaces/{workspace or self.space.space_id}{suffix}"

    async def request(self, method: str, suffix: str, **kw):
        headers = {**self.headers, **kw.pop("headers", {})}
        return await self.client.request(method, self.url(suffix, kw.pop("workspace", None)), headers=headers, **kw)

    async def send(self, channel: str, message: dict, **kw):
        return await self.request("POST", f"/channels/{channel}/messages", json=message, **kw)


@pytest.fixture
def bird(space) -> Bird:
    return Bird(space)


def sms(number: str = "+31612345678", text: str = "Hello", **extra) -> dict:
    return {"receiver": {"contacts": [{"identifierKey": "phonenumber", "identifierValue": number}]},
            "body": {"type": "text", "text": {"text": text}}, **extra}
