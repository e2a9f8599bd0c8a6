"""Text that no database can keep, on every field of every operation of the OpenAPI document: a
NUL, a lone surrogate and a value over the field's declared maxLength. Each is a 4xx problem
naming the field (400 on the One API, 422 on Bird's compat surface), never a 500, and nothing is
stored, on SQLite as on PostgreSQL (which refuses NUL and cannot encode a lone surrogate)."""
from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.test_every_endpoint import concrete, operations, row_counts

NUL, SURROGATE = "a\x00b", "a\ud800b"
# Over-long values above this are bounded by the request body limit, tested on every write by
# test_http_hostile.py::test_an_oversized_body_is_413_on_every_write_and_changes_nothing.
LONGEST_SENT = 1_100_000
FILE_BODIES = {"text/csv", "application/x-ndjson"}


class Schemas:
    def __init__(self, document: dict[str, Any]) -> None:
        self.components = document.get("components", {}).get("schemas", {})

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def branches(self, schema: dict[str, Any]) -> list[dict[str, Any]]:
        """The non-null alternatives of a schema (itself when it has none)."""
        schema = self.resolve(schema)
        options = schema.get("anyOf") or schema.get("oneOf")
        if not options:
            return [schema]
        return [b for option in options for b in self.branches(option) if b.get("type") != "null"]

    def text_fields(self, schema: dict[str, Any], path: tuple = (), seen: frozenset = frozenset()
                    ) -> Iterator[tuple[tuple, dict[str, Any]]]:
        """(path, string schema) of every text field: nested objects, array items (index 0) and
        map values (key `k`) included. A number that may come as a string is a number."""
        branches = self.branches(schema)
        numeric = any(b.get("type") in ("number", "integer") for b in branches)
        for branch in branches:
            name = branch.get("title")
            if is_text(branch) and not numeric:
                yield path, branch
            if "properties" in branch and name not in seen:
                for key, child in branch["properties"].items():
                    yield from self.text_fields(child, (*path, key), seen | {name})
            additional = branch.get("additionalProperties")
            if isinstance(additional, dict) and additional:
                yield from self.text_fields(additional, (*path, "k"), seen)
            if branch.get("type") == "array" and "items" in branch:
                yield from self.text_fields(branch["items"], (*path, 0), seen)

    def sample(self, schema: dict[str, Any]) -> Any:
        """A small value that passes the schema where it is easy to say how."""
        branch = self.branches(schema)[0]
        for key in ("const", "default"):
            if branch.get(key) is not None:
                return copy.deepcopy(branch[key])
        if branch.get("enum"):
            return branch["enum"][0]
        if branch.get("examples"):
            return copy.deepcopy(branch["examples"][0])
        kind = branch.get("type")
        if kind == "object" or "properties" in branch:
            properties = branch.get("properties", {})
            return {k: self.sample(properties[k]) for k in branch.get("required", []) if k in properties}
        if kind == "array":
            return [self.sample(branch["items"])] * branch.get("minItems", 0) if "items" in branch else []
        if kind in ("integer", "number"):
            return branch.get("minimum", 1)
        if kind == "boolean":
            return False
        if kind == "string":
            return _sample_text(branch)
        return {}


CANDIDATES = ["x", "sms", "a@example.com", "+447700900123", "447700900123", "https://example.com/x", "00:00",
              "ABCDEFGHIJ", "ABC", "GB", "text/plain", "image/png", "en", "1", "abcdefghijklmnop"]


def _sample_text(schema: dict[str, Any]) -> str:
    if schema.get("format") == "date-time":
        return "2030-01-01T00:00:00Z"
    low, high = schema.get("minLength", 1), schema.get("maxLength", 10**9)
    pattern = schema.get("pattern")
    for candidate in CANDIDATES:
        if low <= len(candidate) <= high and (pattern is None or re.search(pattern, candidate)):
            return candidate
    return "x" * low


def is_text(schema: dict[str, Any]) -> bool:
    """A string that is free text: not one of a list of values, a time or a file."""
    return (schema.get("type") == "string" and "enum" not in schema and "const" not in schema
            and schema.get("format") not in ("date-time", "binary") and "contentMediaType" not in schema)


def put(document: Any, path: tuple, value: Any, schemas: Schemas, schema: dict[str, Any]) -> Any:
    """`document` with `value` at `path`, making the containers on the way from the schema."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    branch = next((b for b in schemas.branches(schema) if b.get("type") in ("object", "array") or "properties" in b),
                  schemas.branches(schema)[0])
    if isinstance(head, int):
        items = branch.get("items", {})
        container = document if isinstance(document, list) and document else [schemas.sample(items)]
        return [put(container[0], rest, value, schemas, items), *container[1:]]
    child = branch.get("properties", {}).get(head) or branch.get("additionalProperties") or {}
    container = dict(document) if isinstance(document, dict) else {}
    container[head] = put(container.get(head, schemas.sample(child)), rest, value, schemas, child)
    return container


def names_field(problem: dict[str, Any], path: tuple) -> bool:
    """A validation error of the problem names `path`: its parts appear in order in the error's
    field (`body.messageParts.0.data`, or the compat surfaces' own `receiver.contacts.0.id`)."""
    wanted = [part for p in path for part in re.split(r"[.\[\]]+", str(p)) if part]
    for error in problem.get("errors", []):
        parts = iter(re.split(r"[.\[\]]+", str(error.get("field", ""))))
        if all(any(part == w for part in parts) for w in wanted):
            return True
    return False


def json_body(method: str, op: dict[str, Any]) -> dict[str, Any] | None:
    if method not in ("POST", "PUT", "PATCH"):
        return None
    content = op.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if not schema or FILE_BODIES & set(content) or schema.get("type") == "string":
        return None  # no JSON body, or a file (uploads have their own checks and limits)
    return schema


def bad_values(field: dict[str, Any]) -> list[tuple[str, str]]:
    values = [("NUL", NUL), ("lone surrogate", SURROGATE)]
    longest = field.get("maxLength")
    if longest is not None and longest < LONGEST_SENT:
        values.append(("over-long", "x" * (longest + 1)))
    return values


def every_operation(app) -> Iterator[tuple[str, str, dict[str, Any]]]:
    yield from operations(app)
    yield from operations(app, public=True)


async def addressing(space) -> tuple[Any, Any]:
    """(url of an operation, headers): each surface with its own credentials, so that the
    operations get past authentication to the fields."""
    account_id = (await space.get("")).json()["accountId"]

    def url(path: str, value: str | None = None, name: str | None = None) -> str:
        if name is not None:
            path = path.replace("{" + name + "}", quote(value, safe=""))
        path = path.replace("{accountId}", account_id).replace("{workspaceId}", space.space_id)
        return concrete(path, space.space_id)

    def headers(path: str) -> dict[str, str]:
        if path.startswith("/workspaces/"):
            return {"Authorization": f"AccessKey {space.key}"}
        if path.startswith("/api/v1/"):
            return {"x-api-key": space.key, "x-api-id": space.space_id}
        if path.startswith("/cpaas/"):
            return {"Authorization": "Basic " + base64.b64encode(f"onecast:{space.key}".encode()).decode()}
        return space.headers

    return url, headers


def check_answer(r, where: tuple, path: tuple) -> None:
    """A validation problem naming the field: 400 (Bird answers its own body and list checks with
    422). Every operation is reached: fields are checked before any lookup of the `x` ids."""
    allowed = {400, 422} if where[1].startswith("/workspaces/") else {400}
    assert r.status_code in allowed, (*where, r.status_code, r.text[:300])
    bird = where[1].startswith("/workspaces/")  # Bird's errors are application/json (seed 004)
    assert r.headers["content-type"] == "application/json" if bird else \
        r.headers["content-type"].startswith("application/problem+json"), (*where, r.text[:300])
    assert names_field(r.json(), path), (*where, r.text[:500])


def string_parameters(schemas: Schemas, op: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(in, name, string schema) of the operation's path and query parameters that take strings."""
    for parameter in op.get("parameters", []):
        strings = [b for b in schemas.branches(parameter.get("schema", {})) if b.get("type") == "string"]
        if parameter["in"] in ("path", "query") and strings:
            yield parameter["in"], parameter["name"], strings[0]


def test_every_text_field_and_parameter_declares_a_max_length(app):
    schemas = Schemas(app.openapi())
    unbounded = []
    for method, path, op in every_operation(app):
        schema = json_body(method, op)
        fields = list(schemas.text_fields(schema)) if schema is not None else []
        fields += [((where, name), field) for where, name, field in string_parameters(schemas, op) if is_text(field)]
        unbounded += [(method, path, where) for where, field in fields if field.get("maxLength") is None]
    assert unbounded == []


async def test_every_text_field_of_every_body_refuses_nul_surrogates_and_over_long(app, space):
    schemas = Schemas(app.openapi())
    url_of, headers_of = await addressing(space)
    before = await row_counts(app)
    checked: dict[str, int] = {}
    for method, path, op in every_operation(app):
        schema = json_body(method, op)
        if schema is None:
            continue
        baseline = schemas.sample(schema)
        for field_path, field in schemas.text_fields(schema):
            for label, value in bad_values(field):
                body = put(baseline, field_path, value, schemas, schema)
                r = await space.client.request(method, url_of(path), content=json.dumps(body).encode(),
                                               headers={**headers_of(path), "Content-Type": "application/json"})
                check_answer(r, (method, path, field_path, label), field_path)
                checked[label] = checked.get(label, 0) + 1
    assert checked["NUL"] > 350 and checked["lone surrogate"] == checked["NUL"] and checked["over-long"] > 300
    assert await row_counts(app) == before


async def test_every_path_and_query_parameter_refuses_nul_and_over_long(app, space):
    schemas = Schemas(app.openapi())
    url_of, headers_of = await addressing(space)
    before = await row_counts(app)
    checked = 0
    for method, path, op in every_operation(app):
        for where, name, field in string_parameters(schemas, op):
            over_long = [("over-long", "x" * (field["maxLength"] + 1))] if is_text(field) else []
            for label, value in [("NUL", NUL), *over_long]:
                url = url_of(path, value, name) if where == "path" else url_of(path)
                params = {name: value} if where == "query" else {}
                r = await space.client.request(method, url, params=params, headers=headers_of(path),
                                               json={} if method in ("POST", "PUT", "PATCH") else None)
                check_answer(r, (method, path, where, name, label), (name,))
                if label == "NUL":  # refused as it is decoded, before anything else
                    assert r.status_code == 400, (method, path, name, r.text[:300])
                    assert r.json()["errors"][0]["field"] == f"{where}.{name}", (method, path, r.text[:300])
                checked += 1
    assert checked > 600
    assert await row_counts(app) == before


@pytest.mark.parametrize(("surface", "make"), [
    ("One API", lambda s, text: (s.path("/messages"), {"to": {"phoneNumber": "+447700900123"}, "rules": ["sms"],
                                                        "body": text}, {})),
    ("Bird", lambda s, text: (f"/workspaces/{s.space_id}/channels/sms/messages",
                              {"receiver": {"contacts": [{"identifierKey": "phonenumber",
                                                          "identifierValue": "+447700900123"}]},
                               "body": {"type": "text", "text": {"text": text}}},
                              {"Authorization": f"AccessKey {s.key}"})),
    ("Messaging APIs", lambda s, text: ("/api/v1/message/send", {
        "type": "text", "to": {"phone": "447700900123"}, "channelId": "sms", "text": {"body": text}},
        {"x-api-key": s.key})),
])
@pytest.mark.parametrize("text", [NUL, SURROGATE])
async def test_each_surface_answers_in_its_own_shape_and_stores_nothing(app, space, surface, make, text):
    url, body, headers = make(space, text)
    before = await row_counts(app)
    r = await space.client.post(url, content=json.dumps(body).encode(),
                                headers={"Authorization": f"Bearer {space.key}", **headers,
                                         "Content-Type": "application/json"})
    assert r.status_code == (422 if surface == "Bird" else 400), r.text
    assert r.headers["content-type"].startswith("application/json" if surface == "Bird" else "application/problem+json")
    assert any(e["field"].endswith("text") or e["field"].endswith("body") for e in r.json()["errors"]), r.text
    assert await row_counts(app) == before


async def test_many_bad_strings_make_a_bounded_answer(app, space):
    """50,000 NULs in one body are named up to a limit, in document order, not in a 10 MB answer."""
    body = {"to": {"phoneNumber": "+447700900123"}, "rules": ["sms"], "body": "x", "metadata": {"k": [NUL] * 50_000}}
    r = await space.post("/messages", content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and len(r.content) < 50_000, len(r.content)
    assert [e["field"] for e in r.json()["errors"]][:2] == ["body.metadata.k.0", "body.metadata.k.1"]


async def test_form_fields_and_file_names_are_checked_too(app, space):
    before = await row_counts(app)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    raw = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="a\x00b.png"\r\n'
           b"Content-Type: image/png\r\n\r\n" + png + b"\r\n--b--\r\n")  # httpx would escape the NUL
    r = await space.post("/content", content=raw, headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "body.file", r.text
    r = await space.post("/content", data={"folder": NUL}, files={"file": ("a.png", png, "image/png")})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "body.folder", r.text
    assert await row_counts(app) == before


async def test_a_console_form_with_a_nul_is_refused_before_it_is_used(app):
    """The login form's user name went straight into a query (a 500 on PostgreSQL)."""
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://onecast.test") as browser:
        page = await browser.get("/console/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        before = await row_counts(app)
        r = await browser.post("/console/login", data={"csrf_token": csrf, "username": NUL, "password": "x"})
        assert r.status_code == 400 and r.json()["errors"][0]["field"] == "body.username", r.text
        assert await row_counts(app) == before


VENDOR_TEXT = "a\x00b\ud800c"  # stored as "ab\ufffdc"


def _whatsapp(text: str) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    from tests.peers.graph_api import whatsapp_notification

    return "whatsapp", "whatsApp", {"phoneNumberId": "1055", "accessToken": "t", "appSecret": "s1",
                                    "verifyToken": "v"}, whatsapp_notification("1055", messages=[
        {"from": "447700900123", "id": "wamid.IN1", "timestamp": "1700000000", "type": "text", "text": {"body": text}}])


def _messenger(text: str) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    from tests.peers.graph_api import messenger_notification

    return "messenger", "fbMessenger", {"pageId": "777", "pageAccessToken": "t", "appSecret": "s1",
                                        "verifyToken": "v"}, messenger_notification("777", [
        {"sender": {"id": "2468"}, "recipient": {"id": "777"}, "timestamp": 1700000000000,
         "message": {"mid": "m_in1", "text": text}}])


def _telegram(text: str) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    from tests.peers.telegram_bot_api import message, update

    return "telegram", "telegram", {"botToken": "1:t", "secretToken": "s1"}, update(1, message=message(
        4242, 5, text=text))


@pytest.mark.parametrize("vendor", [_whatsapp, _messenger, _telegram])
async def test_vendor_webhooks_store_the_text_cleaned_and_answer_as_documented(app, anon, space, vendor):
    """A vendor cannot correct its user's text and retries what is refused: a NUL is dropped and a
    lone surrogate becomes U+FFFD, and the webhook answers 200 as the vendor expects."""
    from tests.channels.vendor_helpers import inbounds
    from tests.peers.graph_api import hub_signature

    provider, channel_type, config, payload = vendor(VENDOR_TEXT)
    r = await space.post("/channels", json={"id": "v", "type": channel_type,
                                            "provider": "whatsapp_cloud" if provider == "whatsapp" else provider,
                                            "config": config})
    assert r.status_code == 201, r.text
    raw = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": hub_signature("s1", raw),
               "X-Telegram-Bot-Api-Secret-Token": "s1"}
    r = await anon.post(f"/webhooks/{provider}/{space.space_id}/v", content=raw, headers=headers)
    assert r.status_code == 200, r.text
    (stored,) = await inbounds(app, space.space_id)
    assert stored.body == "ab\ufffdc"
    assert "\\u0000" not in json.dumps(stored.request) and "\\ud800" not in json.dumps(stored.request)


async def test_text_inside_tokens_is_checked_too(app, anon, space):
    """JWT claims reach database queries but the HTTP layer sees only their base64: a login token
    (signed by the space's backend) or a forged session token with NUL in a claim is a 401."""
    import jwt

    from tests.appusers.helpers import configure_auth, login_jwt

    await configure_auth(space)
    start = (await anon.get(space.path("/sessions/start"))).json()
    before = await row_counts(app)
    for text in (NUL, SURROGATE):
        forged = jwt.encode({"spc": text, "sid": "x", "sub": "x"}, "not the secret of any space, 32+ bytes",
                            algorithm="HS256")
        r = await anon.get(space.path("/sessions/x"), headers={"Authorization": f"Bearer {forged}"})
        assert r.status_code == 401, r.text
        r = await anon.post(space.path("/sessions"), json={"authenticationId": start["authenticationId"],
                                                           "authenticationToken": login_jwt(text, start["nonce"])})
        assert r.status_code == 401, r.text
    assert await row_counts(app) == before


def test_every_route_checks_what_it_decodes(app):
    """A router made without `route_class=CheckedRoute` would skip the rule on all its routes."""
    from fastapi.routing import APIRoute

    from onecast.kit.plugins import load
    from onecast.kit.routing import CheckedRoute
    from onecast.routers import ROUTER_MODULES

    def routes(router) -> Iterator:
        for route in router.routes:
            included = getattr(route, "original_router", None)  # a router included in this one
            yield from routes(included) if included is not None else [route]

    found = [r for module in ROUTER_MODULES for r in routes(load(f"{module}:router")) if isinstance(r, APIRoute)]
    assert len(found) > 200
    assert [r.path for r in found if not isinstance(r, CheckedRoute)] == []


@given(st.recursive(st.text() | st.integers() | st.none(),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                    max_leaves=8),
       st.booleans())
def test_the_fast_path_never_skips_a_document_that_breaks_the_rule(document, ascii_only):
    from onecast.kit.text import might_break_rule, text_errors

    raw = json.dumps(document, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    if text_errors(json.loads(raw)):
        assert might_break_rule(raw)
