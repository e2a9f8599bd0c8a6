"""Optimistic concurrency: ETag out, If-Match in, 412 when they differ."""
from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Header

from onecast.kit.errors import Problem

IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=1000,
                                       description="Apply only if the current ETag is one of these")]


def etag_for(entity_id: str, revision: int) -> str:
    digest = hashlib.sha1(f"{entity_id}:{revision}".encode()).hexdigest()[:20]
    return f'"{revision}-{digest}"'


def check_if_match(if_match: str | None, current: str) -> None:
    if if_match is None:
        return
    candidates = [c.strip() for c in if_match.split(",")]
    # Weak validators compare by value; '*' matches any existing entity.
    normalised = {c[2:] if c.startswith("W/") else c for c in candidates}
    if "*" in normalised or current in normalised:
        return
    raise Problem(412, "PreconditionFailed",
                  f"If-Match {if_match} does not match the current ETag {current}")
