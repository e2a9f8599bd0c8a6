"""Errors as application/problem+json (RFC 9457) with a stable code.

The body also carries `message` and `validationFailures`, the names One API clients read.
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from onecast.kit.text import UnstorableText

PROBLEM_BASE = "https://onecast.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

_DEFAULT_CODES = {
    400: ("ValidationFailed", "Bad request"),
    401: ("Unauthorized", "Missing or invalid credentials"),
    403: ("Forbidden", "Forbidden"),
    404: ("NotFound", "Not found"),
    405: ("MethodNotAllowed", "Method not allowed"),
    406: ("NotAcceptable", "Not acceptable"),
    409: ("Conflict", "Conflict"),
    411: ("LengthRequired", "Length required"),
    412: ("PreconditionFailed", "Precondition failed"),
    413: ("PayloadTooLarge", "Payload too large"),
    415: ("UnsupportedMediaType", "Unsupported media type"),
    422: ("Unprocessable", "Unprocessable entity"),
    428: ("PreconditionRequired", "Precondition required"),
    429: ("TooManyRequests", "Too many requests"),
    500: ("InternalError", "Internal server error"),
}


class Problem(Exception):
    """Raise anywhere below an endpoint; rendered as problem+json."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        detail: str | None = None,
        *,
        title: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        default_code, default_title = _DEFAULT_CODES.get(status, ("Error", "Error"))
        self.status = status
        self.code = code or default_code
        self.title = title or default_title
        self.detail = detail or self.title
        self.errors = errors or []
        self.headers = headers or {}
        super().__init__(self.detail)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
            "message": self.detail,
        }
        if self.errors:
            body["errors"] = self.errors
            body["validationFailures"] = self.errors
        return body


def unauthorized(detail: str) -> Problem:
    """401 asking for a Bearer credential (an API key or a session token)."""
    return Problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


def forbidden(detail: str) -> Problem:
    """403: the caller is known and may see the resource, but not do this to it."""
    return Problem(403, "Forbidden", detail)


def not_found(what: str) -> Problem:
    return Problem(404, "NotFound", f"{what} not found")


def invalid(field: str, message: str, code: str = "ValidationFailed") -> Problem:
    return Problem(400, code, f"{field}: {message}", title="Validation failed",
                   errors=[{"field": field, "message": message}])


def problem_response(problem: Problem) -> JSONResponse:
    return JSONResponse(problem.body(), status_code=problem.status,
                        media_type=PROBLEM_MEDIA_TYPE, headers=problem.headers)


def _field_name(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def validation_problem(exc: RequestValidationError | UnstorableText) -> Problem:
    errors = []
    for err in exc.errors():
        errors.append({"field": _field_name(tuple(err.get("loc", ()))),
                       "message": err.get("msg", "invalid"), "type": err.get("type", "invalid")})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]) or "Invalid request"
    return Problem(400, "ValidationFailed", detail, title="Validation failed", errors=errors)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc)

    @app.exception_handler(RequestValidationError)
    @app.exception_handler(UnstorableText)
    async def _validation(_: Request, exc: RequestValidationError | UnstorableText) -> JSONResponse:
        return problem_response(validation_problem(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(Problem(exc.status_code, detail=detail, headers=getattr(exc, "headers", None)))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:  # pragma: no cover - last resort
        import structlog

        structlog.get_logger().exception("unhandled_error", error=repr(exc))
        return problem_response(Problem(500))


# Reusable OpenAPI entries so every operation documents its problem answers.
PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
        "validationFailures": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["type", "title", "status", "code"],
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        s: {"description": _DEFAULT_CODES.get(s, ("", "Error"))[1],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}}}
        for s in statuses
    }
