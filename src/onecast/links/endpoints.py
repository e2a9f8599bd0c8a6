"""The public redirect of short links: no API key (the code is the credential)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse

from onecast.kit.errors import problem_responses
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db
from onecast.links import service

router = APIRouter(route_class=CheckedRoute, tags=["Short links"])


@router.get("/l/{code}", status_code=302, response_class=RedirectResponse,
            responses={302: {"description": "Redirect to the original link"}, **problem_responses(400, 404)},
            openapi_extra={"security": []},
            description="Follow a short link from an SMS: the click is counted and recorded as an "
                        "`interaction.click` event, then 302 to the original URL.")
async def follow(request: Request, code: Annotated[str, Path(min_length=1, max_length=16)]) -> RedirectResponse:
    async with get_db(request).transaction() as session:
        link = await service.click(session, code, request.headers.get("user-agent"))
        url = link.url
    return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})
