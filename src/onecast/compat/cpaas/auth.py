"""HTTP Basic for the `/cpaas/...` prefix (seed 000): the password is an Onecast API key (or the
user name, when the password is empty); the API space is the key's."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from onecast.compat.keys import principal_for_key
from onecast.kit.auth import Principal

basic = HTTPBasic(scheme_name="CpaasBasic", auto_error=False,
                  description="Password: an Onecast API key (the API space is the key's); the user name is free")


async def cpaas_principal(request: Request,
                          credentials: Annotated[HTTPBasicCredentials | None, Security(basic)]) -> Principal:
    key = (credentials.password or credentials.username) if credentials else None
    return await principal_for_key(request, key, 'Basic realm="onecast"',
                                   "send HTTP Basic credentials with an API key as the password")


CpaasAuth = Annotated[Principal, Depends(cpaas_principal)]
