"""Bird's `Authorization: AccessKey <key>`: the key is an Onecast API key and the workspace is
its API space; any other workspace id answers 404."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, Security
from fastapi.security import APIKeyHeader

from onecast.compat.keys import principal_for_key
from onecast.kit.auth import Principal
from onecast.kit.errors import not_found

access_key = APIKeyHeader(name="Authorization", scheme_name="BirdAccessKey", auto_error=False,
                          description="'AccessKey ' followed by an Onecast API key")


async def bird_principal(
    request: Request,
    authorization: Annotated[str | None, Security(access_key)],
    workspaceId: Annotated[str, Path(max_length=64, description="The workspace: the API space id")],
) -> Principal:
    scheme, _, key = (authorization or "").partition(" ")
    raw = key.strip() if scheme.lower() == "accesskey" else None
    principal = await principal_for_key(request, raw, "AccessKey", "send 'Authorization: AccessKey <key>'")
    if workspaceId != principal.space_id:
        raise not_found("Workspace")
    return principal


BirdAuth = Annotated[Principal, Depends(bird_principal)]
