"""`x-api-key` (an Onecast API key) and `x-api-id` (optional: the API space id; another one is 404).
The tenant comes from the key."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from onecast.compat.keys import principal_for_key
from onecast.compat.msgapi.envelope import MsgApiProblem, as_envelope
from onecast.kit.auth import Principal
from onecast.kit.errors import Problem

api_key = APIKeyHeader(name="x-api-key", scheme_name="MsgApiKey", auto_error=False,
                       description="An Onecast API key")
api_id = APIKeyHeader(name="x-api-id", scheme_name="MsgApiId", auto_error=False,
                      description="Optional: the API space id the key belongs to")


async def msgapi_principal(request: Request, key: Annotated[str | None, Security(api_key)],
                           space: Annotated[str | None, Security(api_id)]) -> Principal:
    try:
        principal = await principal_for_key(request, key, "x-api-key", "send the header 'x-api-key: <key>'")
    except Problem as exc:
        raise as_envelope(exc) from None
    if space and space != principal.space_id:
        raise MsgApiProblem(404, "NOT_FOUND", "No API space with this x-api-id for this key")
    return principal


MsgApiAuth = Annotated[Principal, Depends(msgapi_principal)]
