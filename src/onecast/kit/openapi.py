"""The OpenAPI document says what the API really answers: validation errors are 400
problem+json here, never FastAPI's default 422."""
from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from onecast.kit.errors import problem_responses

IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "Repeat a write safely: the same key and body, sent with the same credentials, replay the "
                   "first answer for 24 hours; the same key with another body is 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}


def install_openapi(app: FastAPI, batch_max_items: int) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)
        conflict = problem_responses(409)[409]
        too_large = problem_responses(413)[413]
        for path in schema.get("paths", {}).values():
            for method, operation in path.items():
                responses = operation.get("responses", {})
                if "422" in responses:
                    del responses["422"]
                if method in ("post", "put", "patch"):
                    responses.setdefault("413", too_large)
                # A public operation (`security: []`) has no principal to keep keys for.
                if method in ("post", "put", "patch", "delete") and operation.get("security") != []:
                    operation.setdefault("parameters", []).append(IDEMPOTENCY_HEADER)
                    responses.setdefault("409", conflict)
        batch = schema["paths"].get("/apispaces/{apiSpaceId}/messages/batch", {}).get("post")
        if batch:  # the configured limit, not the default
            batch["requestBody"]["content"]["application/json"]["schema"]["maxItems"] = batch_max_items
        components = schema.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        _hoist_local_definitions(schema, components)
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]


def _hoist_local_definitions(schema: dict[str, Any], components: dict[str, Any]) -> None:
    """Request bodies given as a model's own JSON schema (the compat surfaces, which parse their
    bodies themselves) carry `$defs` whose `#/$defs/...` references mean nothing at the top of the
    document: their definitions move to the components."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                definitions = content.get("schema", {}).pop("$defs", None)
                if not definitions:
                    continue
                for name, definition in definitions.items():
                    if components.setdefault(name, definition) != definition:
                        raise ValueError(f"two request schemas define {name!r} differently")
                content["schema"] = _relocated(content["schema"])
    for name, definition in list(components.items()):
        components[name] = _relocated(definition)


def _relocated(schema: Any) -> Any:
    text = json.dumps(schema)
    return json.loads(text.replace('"#/$defs/', '"#/components/schemas/')) if '"#/$defs/' in text else schema
