"""Bird's error object: `code`, `message` and, for invalid fields, `details` (field -> messages),
sent as `application/json` as seed 004 lists for every error answer (the problem+json members are
kept in the body, so one parser reads both). `BirdRoute` renders every error of a Bird operation so,
the authentication's and the parameters' included."""
from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from onecast.kit.errors import Problem, problem_responses, validation_problem
from onecast.kit.routing import CheckedRoute
from onecast.kit.text import UnstorableText


class BirdProblem(Problem):
    def __init__(self, status: int, code: str, message: str, details: dict[str, list[str]] | None = None) -> None:
        errors = [{"field": f, "message": m} for f, msgs in (details or {}).items() for m in msgs]
        super().__init__(status, code, message, errors=errors)
        self.details = details

    def body(self) -> dict[str, Any]:
        body = super().body()
        if self.details:
            body["details"] = self.details
        return body


def invalid_fields(details: dict[str, list[str]]) -> BirdProblem:
    """422 InvalidPayload naming every bad field."""
    summary = "; ".join(f"{f}: {m[0]}" for f, m in list(details.items())[:5])
    return BirdProblem(422, "InvalidPayload", f"The request contains invalid fields: {summary}", details)


def from_validation(exc: ValidationError | UnstorableText) -> BirdProblem:
    details: dict[str, list[str]] = {}
    for err in exc.errors():
        field = ".".join(str(p) for p in err.get("loc", ())) or "body"
        details.setdefault(field, []).append(err.get("msg", "invalid"))
    return invalid_fields(details)


@contextmanager
def bird_errors() -> Iterator[None]:
    """The core's 400 validation problems are Bird's 422 with field details."""
    try:
        yield
    except Problem as exc:
        if exc.status != 400 or isinstance(exc, BirdProblem):
            raise
        raise invalid_fields({e["field"]: [e["message"]] for e in exc.errors} or {"body": [exc.detail]}) from None


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI entries of Bird's error answers: the problem schema, as application/json."""
    return {status: {**entry, "content": {"application/json": next(iter(entry["content"].values()))}}
            for status, entry in problem_responses(*statuses).items()}


def bird_response(problem: Problem) -> JSONResponse:
    return JSONResponse(problem.body(), status_code=problem.status, headers=problem.headers)


class BirdRoute(CheckedRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def bird_answered(request: Request) -> Response:
            try:
                return await handler(request)
            except Problem as exc:
                return bird_response(exc)
            except (RequestValidationError, UnstorableText) as exc:  # parameters: 400, as before the body
                return bird_response(validation_problem(exc))
            except HTTPException as exc:
                return bird_response(Problem(exc.status_code, headers=getattr(exc, "headers", None)))

        return bird_answered
