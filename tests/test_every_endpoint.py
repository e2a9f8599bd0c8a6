"""Properties of every operation in the OpenAPI document: bad bodies get a 4xx problem and
change nothing; another tenant's key gets 404 everywhere under /apispaces/{id}."""
import re

import pytest
from sqlalchemy import func, select

from onecast.models import metadata


def operations(app, *, public: bool = False):
    """Operations that need an API key; with public=True, those that declare `security: []`
    (provider webhooks, redirects...), which authenticate otherwise or not at all."""
    for path, methods in app.openapi()["paths"].items():
        for method, op in methods.items():
            if (op.get("security") == []) == public:
                yield method.upper(), path, op


def concrete(path: str, space_id: str) -> str:
    path = path.replace("{apiSpaceId}", space_id)
    return re.sub(r"\{[^}]+\}", "x", path)


def error_media_type(path: str) -> str:
    """Bird's errors are application/json, as seed 004 lists them; every other error is problem+json."""
    return "application/json" if path.startswith("/workspaces/") else "application/problem+json"


async def row_counts(app) -> dict[str, int]:
    async with app.state.db.read() as session:
        return {t.name: (await session.execute(select(func.count()).select_from(t))).scalar_one()
                for t in metadata.sorted_tables}


MALFORMED = [b'{"unterminated": ', b"[1, 2", b"\xff\xfe not utf-8", b'"a string"', b"12", b"null", b"[]"]


async def test_bad_bodies_change_nothing(app, space):
    await space.post("/profiles", json={"id": "x"})  # so that {id} paths reach body validation
    before = await row_counts(app)
    checked = 0
    for method, path, op in operations(app):
        if "requestBody" not in op or method not in ("POST", "PUT", "PATCH"):
            continue
        url = concrete(path, space.space_id)
        for body in MALFORMED:
            r = await space.client.request(method, url, content=body,
                                           headers={**space.headers, "Content-Type": "application/json"})
            assert 400 <= r.status_code < 500, (method, path, body, r.status_code, r.text[:300])
            assert r.status_code != 404 or "{" in path.replace("{apiSpaceId}", ""), (method, path, r.text)
            assert r.headers["content-type"].startswith(error_media_type(path)), (method, path)
            assert r.json()["detail"], (method, path)
            checked += 1
    assert checked > 30
    after = await row_counts(app)
    assert after == before


async def test_another_tenants_key_gets_404_everywhere(app, space, other_space):
    checked = 0
    for method, path, _op in operations(app):
        if not path.startswith("/apispaces/{apiSpaceId}"):
            continue
        url = concrete(path, space.space_id)
        r = await space.client.request(method, url, headers=other_space.headers, json={})
        assert r.status_code == 404, (method, path, r.status_code, r.text[:200])
        checked += 1
    assert checked > 30


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic eDp5"},
                                     {"Authorization": "Bearer "}])
async def test_every_operation_needs_a_key(app, anon, space, headers):
    for method, path, _op in operations(app):
        r = await anon.request(method, concrete(path, space.space_id), headers=headers, json={})
        assert r.status_code == 401, (method, path, r.status_code)
        assert r.headers["content-type"].startswith(error_media_type(path)), (method, path)


async def test_another_tenants_access_key_gets_404_under_workspaces(app, space, other_space):
    """The Bird compatibility surface: the workspace is the API space of the AccessKey."""
    checked = 0
    for method, path, _op in operations(app):
        if not path.startswith("/workspaces/{workspaceId}"):
            continue
        url = concrete(path.replace("{workspaceId}", space.space_id), space.space_id)
        r = await space.client.request(method, url, headers={"Authorization": f"AccessKey {other_space.key}"},
                                       json={})
        assert r.status_code == 404, (method, path, r.status_code, r.text[:200])
        checked += 1
    assert checked >= 4
