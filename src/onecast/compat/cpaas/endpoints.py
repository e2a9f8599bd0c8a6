"""The Comapi/dotdigital `/cpaas/...` prefix (seed 000): the same operations as
`/apispaces/{apiSpaceId}/...`, with the space taken from HTTP Basic credentials. Each request is
handed, re-addressed, to the app's own router, so every One API operation exists here unchanged."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from starlette.types import Message, Receive, Scope, Send

from onecast.compat.cpaas.auth import CpaasAuth
from onecast.kit.errors import problem_responses
from onecast.kit.routing import CheckedRoute

router = APIRouter(route_class=CheckedRoute, tags=["CPaaS prefix (compat)"],
                   responses=problem_responses(400, 401, 404, 409, 413))
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
BODY = {"requestBody": {"required": False, "content": {"application/json": {"schema": {}}}}}
OPERATION = {
    "responses": {"200": {"description": "As the same operation under /apispaces/{apiSpaceId}",
                          "content": {"application/json": {"schema": {}}, "*/*": {"schema": {}}}},
                  "201": {"description": "Created", "content": {"application/json": {"schema": {}}}},
                  "202": {"description": "Accepted", "content": {"application/json": {"schema": {}}}},
                  "204": {"description": "No content"}},
}


def _space_scope(request: Request, space_id: str, key: str, rest: str) -> dict:
    """The request as `/apispaces/{space}/{rest}` with the key as a Bearer token."""
    path = f"/apispaces/{space_id}/{rest}"
    headers = [(k, v) for k, v in request.scope["headers"] if k.lower() != b"authorization"]
    headers.append((b"authorization", f"Bearer {key}".encode()))
    scope = {k: v for k, v in request.scope.items() if k not in ("route", "endpoint", "path_params")}
    scope.update(path=path, raw_path=path.encode(), headers=headers, root_path="")
    return scope


class _Redispatched(Response):
    """The inner operation's answer, passed through to the client as the inner app sends it, so a
    streamed answer (an export) arrives whole; only the body the outer request already read is
    replayed, after which `receive` is the client's own (a real disconnect still ends a stream)."""

    def __init__(self, scope: dict, body: bytes) -> None:
        super().__init__()
        self.inner_scope, self.request_body = scope, body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        replayed = False

        async def inner_receive() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": self.request_body, "more_body": False}

        await self.inner_scope["app"].router(self.inner_scope, inner_receive, send)


async def cpaas(request: Request, principal: CpaasAuth,
                path: Annotated[str, Path(max_length=2000, description="The path after /apispaces/{id}/")]) -> Response:
    body = await request.body()
    return _Redispatched(_space_scope(request, principal.space_id, request.state.api_key, path), body)


for _method in METHODS:
    router.add_api_route(
        "/cpaas/{path:path}", cpaas, methods=[_method], response_class=Response,
        operation_id=f"cpaas_{_method.lower()}", name=f"cpaas_{_method.lower()}",
        openapi_extra={**OPERATION, **(BODY if _method in ("POST", "PUT", "PATCH") else {})},
        summary="Any One API operation, the API space taken from the credentials")
