"""The Messaging API's response envelopes (seed 003 §2.1): `ApiResponse` (data / results) and
`ApiResultsMetaCompactResponse` (results + meta); errors ride in the same envelope with
`errors[ApiFieldError]`, and keep the problem+json members every Onecast error has."""
from __future__ import annotations

import time
from typing import Any

from onecast.kit.errors import Problem

STATUS_KEYS = {200: "SUCCESS", 201: "CREATED", 400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN",
               404: "NOT_FOUND", 409: "CONFLICT", 413: "PAYLOAD_TOO_LARGE", 429: "TOO_MANY_REQUESTS"}


def _head(status: int, message: str, trace: str | None) -> dict[str, Any]:
    key = STATUS_KEYS.get(status, "ERROR")
    return {"status": status, "statusKey": key, "message": message,
            "messageKey": f"MESSAGE_{key}", "timestamp": int(time.time() * 1000), "traceid": trace or ""}


def ok(*, data: Any = None, results: list | None = None, meta: dict | None = None, message: str = "Success",
       trace: str | None = None) -> dict[str, Any]:
    body = _head(200, message, trace)
    if data is not None:
        body["data"] = data
    if results is not None:
        body["results"] = results
    if meta is not None:
        body["meta"] = meta
    return body


class MsgApiProblem(Problem):
    """An error in the API's envelope: `status`, `statusKey`, `message`, `error`, `errors[]`."""

    def body(self) -> dict[str, Any]:
        body = {**super().body(), **_head(self.status, self.detail, None), "error": self.code}
        body["errors"] = [{"field": e.get("field", ""), "code": self.code, "codeKey": self.code,
                           "description": e.get("message", ""), "descriptionKey": self.code}
                          for e in self.errors]
        return body


def as_envelope(problem: Problem) -> MsgApiProblem:
    if isinstance(problem, MsgApiProblem):
        return problem
    return MsgApiProblem(problem.status, problem.code, problem.detail, errors=problem.errors,
                         headers=problem.headers)


def invalid(field: str, message: str) -> MsgApiProblem:
    return MsgApiProblem(400, "INVALID_FIELD", f"{field}: {message}", errors=[{"field": field, "message": message}])
