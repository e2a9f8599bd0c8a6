"""The console's route class: a refusal is a page a person can read (or, for an htmx action, an
error shown in place), never the JSON problem document the API answers."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse

from onecast.console.forms import in_place_error, problem_text
from onecast.console.render import templates
from onecast.kit.errors import Problem, validation_problem
from onecast.kit.routing import CheckedRoute
from onecast.kit.text import UnstorableText

REDIRECTS = {301, 302, 303, 307, 308}


def error_page(request: Request, status_code: int, text: str) -> HTMLResponse:
    if request.headers.get("HX-Request"):
        return in_place_error(text, 422 if status_code < 500 else status_code)
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status_code, "text": text, "viewer": None, "csrf": "", "csrf_field": ""},
        status_code=status_code,
    )


class ConsoleRoute(CheckedRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def friendly(request: Request) -> Response:
            try:
                return await handler(request)
            except Problem as exc:
                return error_page(request, exc.status, problem_text(exc))
            except UnstorableText:
                raise  # the text rule answers the same on every surface (kit.text)
            except RequestValidationError as exc:  # a hand-edited query string
                return error_page(request, 400, problem_text(validation_problem(exc)))
            except HTTPException as exc:
                if exc.status_code in REDIRECTS:
                    raise
                return error_page(request, exc.status_code, str(exc.detail))

        return friendly
