"""The web console at /console: HTML pages, not part of the JSON API (kept out of OpenAPI)."""
from __future__ import annotations

from fastapi import APIRouter

from onecast.console import analytics, chat_pages, login_pages, message_pages, sandbox_pages, space_pages, webhook_pages
from onecast.kit.routing import CheckedRoute

router = APIRouter(route_class=CheckedRoute, prefix="/console", include_in_schema=False)
for module in (login_pages, space_pages, message_pages, sandbox_pages, analytics, webhook_pages, chat_pages):
    router.include_router(module.router)
