"""`GET /profiles?$schemaOnly=true` (the One API's profile schema retrieval): the JSON Schema of a
sample of profiles, so an integrator can discover the field names merge fields and queries use.
Profiles are schemaless documents, so the schema is inferred from what the sample holds."""

from __future__ import annotations

from typing import Any

JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


class _Node:
    """What the sample showed at one place of the documents: the JSON types seen, and below
    objects their members, below arrays their items."""

    def __init__(self) -> None:
        self.types: set[str] = set()
        self.members: dict[str, _Node] = {}
        self.items: _Node | None = None

    def add(self, value: Any) -> None:
        kind = _json_type(value)
        self.types.add(kind)
        if kind == "object":
            for key, child in value.items():
                self.members.setdefault(key, _Node()).add(child)
        elif kind == "array":
            self.items = self.items or _Node()
            for child in value:
                self.items.add(child)

    def schema(self) -> dict[str, Any]:
        types = sorted(self.types)
        if {"integer", "number"} <= self.types:
            types.remove("integer")  # an integer is a number
        out: dict[str, Any] = {"type": types[0] if len(types) == 1 else types}
        if self.members:
            out["properties"] = {key: node.schema() for key, node in sorted(self.members.items())}
        if self.items is not None and self.items.types:
            out["items"] = self.items.schema()
        return out


def sample_schema(documents: list[dict[str, Any]]) -> dict[str, Any]:
    root = _Node()
    root.types.add("object")
    for doc in documents:
        root.add(doc)
    return {"$schema": JSON_SCHEMA, "title": "Profile", **root.schema(), "x-sampleSize": len(documents)}
