"""GET /healthz (the process answers), /readyz (it can serve), /metrics (Prometheus text)."""
from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db
from onecast.observability.health import readiness
from onecast.observability.metrics import QUEUE_DEPTH, REGISTRY
from onecast.observability.queue import queue_depth

router = APIRouter(route_class=CheckedRoute, tags=["operations"])
PUBLIC = {"security": []}


@router.get("/healthz", openapi_extra=PUBLIC, summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", openapi_extra=PUBLIC, summary="Readiness: database reachable and migrated",
            responses={503: {"description": "Not ready; `checks` says why"}})
async def readyz(request: Request) -> JSONResponse:
    result = await readiness(get_db(request))
    return JSONResponse(result, status_code=200 if result["ready"] else 503)


@router.get("/metrics", openapi_extra=PUBLIC, summary="Prometheus metrics of this process",
            response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
async def metrics(request: Request) -> Response:
    try:
        for state, count in (await queue_depth(get_db(request))).items():
            QUEUE_DEPTH.labels(state).set(count)
    except Exception:  # a database outage must not hide the process's own counters
        pass
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
