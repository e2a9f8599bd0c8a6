"""The JavaScript client and web chat widget, served by Onecast: `/chat/widget/<file>`."""
from __future__ import annotations

from pathlib import Path as FilePath

from fastapi import APIRouter
from fastapi.responses import FileResponse

from onecast.kit.errors import not_found
from onecast.kit.routing import CheckedRoute

STATIC = FilePath(__file__).resolve().parent / "static"
FILES = {"onecast-client.js": "text/javascript", "onecast-widget.js": "text/javascript",
         "widget.html": "text/html"}
router = APIRouter(route_class=CheckedRoute)


@router.get("/chat/widget/{name}", include_in_schema=False)
async def widget_file(name: str) -> FileResponse:
    if name not in FILES:  # a fixed list: no path from the request reaches the file system
        raise not_found("File")
    return FileResponse(STATIC / name, media_type=FILES[name], headers={"Cache-Control": "public, max-age=300"})
