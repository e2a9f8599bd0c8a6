"""The web console at /console: HTML pages, not part of the JSON API (kept out of OpenAPI)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from onecast.console import (
    analytics,
    chat_pages,
    login_pages,
    message_pages,
    sandbox_pages,
    space_pages,
    webhook_pages,
)
from onecast.console.routing import ConsoleRoute, error_page

router = APIRouter(route_class=ConsoleRoute, prefix="/console", include_in_schema=False)
for module in (login_pages, space_pages, message_pages, sandbox_pages, analytics, webhook_pages, chat_pages):
    router.include_router(module.router)


@router.get("/{rest:path}", response_class=HTMLResponse)
async def no_such_page(request: Request, rest: str) -> HTMLResponse:
    """Last: a mistyped console address gets a page, not the API's JSON 404."""
    return error_page(request, 404, "There is no console page at this address.")
