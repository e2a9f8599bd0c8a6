"""Bird's error object: `code`, `message` and, for invalid fields, `details` (field -> messages).
Rendered by the app's Problem handler, so it keeps the problem+json members too."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError

from onecast.kit.errors import Problem
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
