"""issue 20 #3: the README names every endpoint that takes no API key, and says why."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _public_table() -> str:
    text = README.read_text()
    start = text.index("| Endpoint | Why no key |")
    return text[start : text.index("\n\n", start)]


def _public_operations(app) -> list[tuple[str, str]]:
    spec = app.openapi()
    return [
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if operation.get("security") == []
    ]


def _methods_spelled_out(table: str) -> str:
    """`GET/POST /x` in the table stands for `GET /x` and `POST /x`."""
    return " ".join(
        f"`{method} {path}`"
        for methods, path in re.findall(r"`([A-Z/]+) (/[^`]*)`", table)
        for method in methods.split("/")
    )


def test_every_public_operation_is_in_the_readme_table(app):
    table = re.sub(r"\{[^}]*\}", "{}", _public_table())
    missing = []
    for method, path in _public_operations(app):
        path_in_readme = path.removeprefix("/apispaces/{apiSpaceId}")
        if f"`{method} {re.sub(r'{[^}]*}', '{}', path_in_readme)}`" not in _methods_spelled_out(table):
            missing.append(f"{method} {path}")
    assert _public_operations(app), "no public operation found: the OpenAPI marking changed"
    assert missing == []


async def test_the_listed_endpoints_answer_without_a_key(anon, space):
    sid = space.space_id
    for url in (
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        f"/apispaces/{sid}/sessions/start",
        "/chat/widget/onecast-client.js",
    ):
        r = await anon.get(url)
        assert r.status_code == 200, (url, r.status_code)
    for url in ("/l/nope", "/media/nope"):
        assert (await anon.get(url)).status_code == 404
    # and an ordinary endpoint does need one
    assert (await anon.get(f"/apispaces/{sid}/channels")).status_code == 401
