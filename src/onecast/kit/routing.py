"""The route class of every router: what a request carries is checked against kit.text's rule
once, where it is decoded: path and query parameters before the endpoint runs, the JSON body
when it is parsed (by FastAPI or by an endpoint calling `request.json()`), form fields likewise.
Every `APIRouter` of the app is made with `route_class=CheckedRoute`."""
from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.datastructures import FormData, UploadFile

from onecast.kit.text import Loc, UnstorableText, decode_json, text_problem


def _named_errors(where: str, items: Iterable[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Errors of name/value pairs (parameters, form fields), each under (`where`, name)."""
    errors = []
    for name, value in items:
        loc: Loc = (where, name)
        problem = text_problem(name)
        if problem:  # a bad name is not echoed: it may not even encode
            loc, problem = (where,), f"names {problem}"
        elif isinstance(value, str):
            problem = text_problem(value)
        if problem:
            errors.append({"loc": loc, "msg": problem, "type": "unstorable_text"})
    return errors


class CheckedRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = decode_json(await self.body())
        return self._json

    async def _get_form(self, **limits: Any) -> FormData:  # what Request.form() awaits
        form = await super()._get_form(**limits)
        if not getattr(self, "_form_checked", False):
            errors = _named_errors("body", ((name, value.filename or "" if isinstance(value, UploadFile) else value)
                                            for name, value in form.multi_items()))
            if errors:
                raise UnstorableText(errors)
            self._form_checked = True
        return form


def check_parameters(request: Request) -> None:
    errors = _named_errors("path", request.path_params.items())
    if request.scope.get("query_string"):
        errors += _named_errors("query", request.query_params.multi_items())
    if errors:
        raise UnstorableText(errors)


class CheckedRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            request = CheckedRequest(request.scope, request.receive)
            check_parameters(request)
            return await handler(request)

        return checked
