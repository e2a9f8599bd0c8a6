"""Idempotency-Key answers belong to the authenticated principal, on every surface.

Before the fix the stored answers were keyed by a hash of the `Authorization` header and replayed
before authentication: callers of the Messaging API (`x-api-key`, no Authorization), of the
console (a cookie) and callers with no credentials at all shared one store, so a request without
credentials got another tenant's answer, a tenant reusing another's key got the other's message
id (and its own message was never created), and a revoked key, an ended app-user session or a
deleted space kept replaying their answers for 24 hours.
"""
from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select

from onecast.kit import idempotency
from onecast.kit.models import IdempotencyRecord
from onecast.messages.models import Message
from tests.appusers.helpers import configure_auth, login_jwt, start_session

REPLAYED = "idempotent-replayed"


def new_key() -> str:
    return f"idem-{uuid.uuid4().hex}"


@dataclass(frozen=True)
class Surface:
    """How a tenant sends one message on a surface, with its API key carried that surface's way."""

    name: str
    url: Callable[[str], str]  # space id -> path
    credentials: Callable[[str], dict[str, str]]  # raw key -> headers
    body: dict
    other_body: dict  # another valid message
    message_id: Callable[[httpx.Response], str]

    async def send(self, client: httpx.AsyncClient, space_id: str, raw_key: str | None, idem: str,
                   body: dict | None = None) -> httpx.Response:
        headers = {"Idempotency-Key": idem, **(self.credentials(raw_key) if raw_key else {})}
        return await client.post(self.url(space_id), json=body or self.body, headers=headers)


def _basic(raw_key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"api-user:{raw_key}".encode()).decode()}


def _bird_sms(text: str) -> dict:
    return {"receiver": {"contacts": [{"identifierKey": "phonenumber", "identifierValue": "+31612345678"}]},
            "body": {"type": "text", "text": {"text": text}}}


def _msgapi_text(text: str) -> dict:
    return {"channelId": "sms", "to": {"phone": "919988776655"}, "type": "text", "text": {"body": text}}


def _message(text: str) -> dict:
    return {"to": {"phoneNumber": "+447700900123"}, "rules": ["sms"], "body": text}


ONE_API_MESSAGE = _message("Hello")
SURFACES = [
    Surface("one-api", lambda s: f"/apispaces/{s}/messages", lambda k: {"Authorization": f"Bearer {k}"},
            ONE_API_MESSAGE, _message("Another"), lambda r: r.json()["messageId"]),
    Surface("bird", lambda s: f"/workspaces/{s}/channels/sms/messages", lambda k: {"Authorization": f"AccessKey {k}"},
            _bird_sms("Hello"), _bird_sms("Another"), lambda r: r.json()["id"]),
    Surface("msgapi", lambda s: "/api/v1/message/send", lambda k: {"x-api-key": k},
            _msgapi_text("Hello"), _msgapi_text("Another"), lambda r: r.json()["data"]["id"]),
    Surface("cpaas", lambda s: "/cpaas/messages", _basic, ONE_API_MESSAGE, _message("Another"),
            lambda r: r.json()["messageId"]),
]
by_surface = pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.name)


async def messages_in(app, space_id: str) -> list[str]:
    async with app.state.db.read() as session:
        return list((await session.execute(select(Message.id).where(Message.space_id == space_id))).scalars())


async def stored_scopes(app, idem: str) -> list[str]:
    async with app.state.db.read() as session:
        return list((await session.execute(select(IdempotencyRecord.scope).where(IdempotencyRecord.key == idem)
                                           )).scalars())


async def second_key(space) -> tuple[str, str]:
    """A new API key of `space`: (id, raw key)."""
    r = await space.post("/keys", json={"name": "second"})
    assert r.status_code == 201, r.text
    return r.json()["id"], r.json()["apiKey"]


# -- the guarantees still hold on every surface ----------------------------------------------


@by_surface
async def test_the_same_key_replays_and_another_body_is_409(app, anon, space, surface):
    idem = new_key()
    first = await surface.send(anon, space.space_id, space.key, idem)
    again = await surface.send(anon, space.space_id, space.key, idem)
    assert 200 <= first.status_code < 300, first.text
    assert again.status_code == first.status_code and again.headers[REPLAYED] == "true"
    assert surface.message_id(again) == surface.message_id(first)
    reused = await surface.send(anon, space.space_id, space.key, idem, surface.other_body)
    assert reused.status_code == 409 and REPLAYED not in reused.headers
    assert await messages_in(app, space.space_id) == [surface.message_id(first)]


# -- no credentials ------------------------------------------------------------------------


@by_surface
async def test_no_credentials_get_401_and_never_reach_the_store(app, anon, space, surface, monkeypatch):
    idem = new_key()
    mine = await surface.send(anon, space.space_id, space.key, idem)
    assert 200 <= mine.status_code < 300, mine.text
    writes = []
    transaction = app.state.db.transaction

    def counted():
        writes.append(1)
        return transaction()

    monkeypatch.setattr(app.state.db, "transaction", counted)
    for body in (surface.body, surface.other_body):  # the same request, or probing with another body
        r = await surface.send(anon, space.space_id, None, idem, body)
        assert r.status_code == 401, r.text
        assert REPLAYED not in r.headers and surface.message_id(mine) not in r.text
        r = await surface.send(anon, space.space_id, "onecast_not-a-key", idem, body)
        assert r.status_code == 401 and REPLAYED not in r.headers
    assert writes == []  # no Idempotency-Key was claimed or stored: the store was not touched
    assert await messages_in(app, space.space_id) == [surface.message_id(mine)]


async def test_msgapi_session_messages_are_not_replayed_without_credentials(anon, space):
    """The issue's reproduction: tenant B reads a session's messages with `x-api-key`; the same
    request with no credentials got 200, `Idempotent-Replayed: true` and B's messages."""
    r = await space.post("/messages/inbounds", json={"channel": "whatsApp", "from": {"phoneNumber": "919988776655"},
                                                     "body": "B's secret", "conversationId": "idem-session-1"})
    assert r.status_code == 201, r.text
    idem = new_key()
    body = {"sessionId": "idem-session-1"}
    mine = await anon.post("/api/v1/session/messages", json=body, headers={"x-api-key": space.key,
                                                                         "Idempotency-Key": idem})
    assert mine.status_code == 200 and "B's secret" in mine.text
    theirs = await anon.post("/api/v1/session/messages", json=body, headers={"Idempotency-Key": idem})
    assert theirs.status_code == 401 and REPLAYED not in theirs.headers
    assert "B's secret" not in theirs.text


# -- another tenant reusing a key -------------------------------------------------------------


@by_surface
async def test_another_tenant_reusing_a_key_gets_its_own_answer(app, anon, space, other_space, surface):
    idem = new_key()
    a = await surface.send(anon, space.space_id, space.key, idem)
    b = await surface.send(anon, other_space.space_id, other_space.key, idem)
    assert 200 <= a.status_code < 300 and b.status_code == a.status_code, b.text
    assert REPLAYED not in b.headers
    assert surface.message_id(b) != surface.message_id(a)
    assert await messages_in(app, other_space.space_id) == [surface.message_id(b)]  # B's message was created
    assert await messages_in(app, space.space_id) == [surface.message_id(a)]
    # B reusing a key of A's with another body is not told that A used it (it was 409)
    idem = new_key()
    assert 200 <= (await surface.send(anon, space.space_id, space.key, idem)).status_code < 300
    probe = await surface.send(anon, other_space.space_id, other_space.key, idem, surface.other_body)
    assert probe.status_code == a.status_code and REPLAYED not in probe.headers, probe.text


async def test_a_key_of_another_space_on_this_spaces_path_gets_404_not_the_answer(anon, space, other_space):
    idem = new_key()
    surface = SURFACES[0]
    a = await surface.send(anon, space.space_id, space.key, idem)
    r = await anon.post(surface.url(space.space_id), json=surface.body,
                        headers={"Idempotency-Key": idem, **surface.credentials(other_space.key)})
    assert r.status_code == 404 and REPLAYED not in r.headers and surface.message_id(a) not in r.text


# -- revoked keys and deleted spaces -------------------------------------------------------------


@by_surface
async def test_a_revoked_keys_answers_are_never_replayed(app, anon, space, surface):
    key_id, raw = await second_key(space)
    idem = new_key()
    first = await surface.send(anon, space.space_id, raw, idem)
    assert 200 <= first.status_code < 300, first.text
    assert len(await stored_scopes(app, idem)) == 1
    assert (await space.delete(f"/keys/{key_id}")).status_code == 204
    again = await surface.send(anon, space.space_id, raw, idem)
    assert again.status_code == 401 and REPLAYED not in again.headers
    assert surface.message_id(first) not in again.text
    assert await stored_scopes(app, idem) == []  # revoking the key dropped its answers


async def test_a_revoked_keys_export_is_not_replayed(app, anon, space):
    """The review's case: a revoked key replayed its `POST /profiles/export` answer for 24 h."""
    key_id, raw = await second_key(space)
    await space.post("/profiles", json={"id": "exported", "email": "exported@example.com"})
    headers = {"Authorization": f"Bearer {raw}", "Idempotency-Key": new_key()}
    first = await anon.post(space.path("/profiles/export"), json={"format": "json"}, headers=headers)
    assert first.status_code in (200, 201, 202), first.text
    assert (await space.delete(f"/keys/{key_id}")).status_code == 204
    again = await anon.post(space.path("/profiles/export"), json={"format": "json"}, headers=headers)
    assert again.status_code == 401 and REPLAYED not in again.headers
    assert again.text != first.text


async def test_a_deleted_spaces_answers_are_never_replayed(app, anon, space):
    idem = new_key()
    headers = {**space.headers, "Idempotency-Key": idem}
    first = await anon.post(space.path("/messages"), json=ONE_API_MESSAGE, headers=headers)
    assert first.status_code == 201, first.text
    assert (await space.delete("")).status_code == 204
    again = await anon.post(space.path("/messages"), json=ONE_API_MESSAGE, headers=headers)
    assert again.status_code == 401 and REPLAYED not in again.headers
    assert await stored_scopes(app, idem) == []


async def test_another_process_that_still_trusts_a_revoked_key_replays_nothing(app, anon, space, settings):
    """Key caches of other processes trust a key for a moment after it is revoked; its answers
    are gone from the database by then."""
    from tests.conftest import app_with

    key_id, raw = await second_key(space)
    idem = new_key()
    async with app_with(settings) as other:
        first = await SURFACES[0].send(other, space.space_id, raw, idem)
        assert first.status_code == 201
        assert (await space.delete(f"/keys/{key_id}")).status_code == 204  # in this process: the other's cache keeps it
        again = await SURFACES[0].send(other, space.space_id, raw, idem)
    assert REPLAYED not in again.headers


# -- app users --------------------------------------------------------------------------------


async def _conversation(space, anon):
    await configure_auth(space)
    alice = await start_session(anon, space.space_id, "alice")
    bob = await start_session(anon, space.space_id, "bob")
    roles = {"owner": {"canSend": True, "canAddParticipants": True, "canRemoveParticipants": True},
             "participant": {"canSend": True, "canAddParticipants": False, "canRemoveParticipants": False}}
    r = await alice.request("POST", "/conversations", json={"id": "idem-conv", "name": "c", "roles": roles,
                                                             "isPublic": False, "participants": [{"id": "bob"}]})
    assert r.status_code == 201, r.text
    return alice, bob


SAY = {"parts": [{"type": "text/plain", "data": "hello"}]}


async def test_app_users_keys_are_their_own(anon, space):
    alice, bob = await _conversation(space, anon)
    idem = {"Idempotency-Key": new_key()}
    first = await alice.request("POST", "/conversations/idem-conv/messages", json=SAY, headers=idem)
    again = await alice.request("POST", "/conversations/idem-conv/messages", json=SAY, headers=idem)
    assert first.status_code == 200 and again.headers[REPLAYED] == "true" and again.json() == first.json()
    other = await alice.request("POST", "/conversations/idem-conv/messages", json={"parts": [{"data": "x"}]},
                                headers=idem)
    assert other.status_code == 409
    bobs = await bob.request("POST", "/conversations/idem-conv/messages", json=SAY, headers=idem)
    assert bobs.status_code == 200 and REPLAYED not in bobs.headers and bobs.json()["id"] != first.json()["id"]
    server = await space.post("/conversations/idem-conv/messages", json=SAY, headers=idem)
    assert server.status_code == 200 and REPLAYED not in server.headers
    nobody = await anon.post(space.path("/conversations/idem-conv/messages"), json=SAY, headers=idem)
    assert nobody.status_code == 401 and REPLAYED not in nobody.headers


async def test_an_ended_app_user_sessions_answers_are_never_replayed(app, anon, space):
    alice, _bob = await _conversation(space, anon)
    idem = new_key()
    first = await alice.request("POST", "/conversations/idem-conv/messages", json=SAY,
                                headers={"Idempotency-Key": idem})
    assert first.status_code == 200, first.text
    assert (await alice.request("DELETE", f"/sessions/{alice.session_id}")).status_code == 204
    again = await alice.request("POST", "/conversations/idem-conv/messages", json=SAY,
                                headers={"Idempotency-Key": idem})
    assert again.status_code == 401 and REPLAYED not in again.headers
    assert await stored_scopes(app, idem) == []


async def test_starting_a_session_has_no_principal_so_the_key_is_not_shared(app, anon, space):
    """`POST /sessions` is public: two visitors sending the same Idempotency-Key each get their
    own session (before, the second got 409, or the first's token for the same body)."""
    await configure_auth(space)
    idem = new_key()
    tokens = []
    for _ in range(2):
        challenge = (await anon.get(space.path("/sessions/start"))).json()
        body = {"authenticationId": challenge["authenticationId"],
                "authenticationToken": login_jwt("visitor", challenge["nonce"]), "deviceId": "d"}
        r = await anon.post(space.path("/sessions"), json=body, headers={"Idempotency-Key": idem})
        assert r.status_code == 201 and REPLAYED not in r.headers, r.text
        tokens.append(r.json()["token"])
        retry = await anon.post(space.path("/sessions"), json=body, headers={"Idempotency-Key": idem})
        assert retry.status_code == 401 and REPLAYED not in retry.headers  # the challenge is used up
    assert tokens[0] != tokens[1]
    assert await stored_scopes(app, idem) == []


# -- the console ------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
RAW_KEY = re.compile(r"onecast_[A-Za-z0-9_-]{20,}")


async def console_client(app, **login: str) -> httpx.AsyncClient:
    """A browser-like client logged in to the console (a user, or `api_key`)."""
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://onecast.test")
    token = CSRF.search((await client.get("/console/login")).text).group(1)
    r = await client.post("/console/login", data={"csrf_token": token, **login})
    assert r.status_code == 303, r.text
    client.headers["X-CSRF-Token"] = CSRF.search((await client.get(r.headers["location"])).text).group(1)
    return client


async def console_user(app) -> dict[str, str]:
    from onecast.console.users import create_user

    name, password = f"op-{uuid.uuid4().hex[:8]}", "a long enough password"
    async with app.state.db.transaction() as session:
        await create_user(session, name, password)
    return {"username": name, "password": password}


async def test_a_console_answer_is_not_replayed_to_anyone_else(app, space):
    first_user = await console_client(app, **await console_user(app))
    second_user = await console_client(app, **await console_user(app))
    stranger = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://onecast.test")
    key_viewer = await console_client(app, api_key=space.key)
    try:
        idem = {"Idempotency-Key": new_key()}
        url = f"/console/spaces/{space.space_id}/keys"
        made = await first_user.post(url, data={"name": "console"}, headers=idem)
        # POST, redirect, GET: the new key is shown once by the page the answer leads to.
        assert made.status_code == 303 and made.headers["location"] == url
        secret = RAW_KEY.search((await first_user.get(url)).text).group(0)
        again = await first_user.post(url, data={"name": "console"}, headers=idem)
        assert again.headers[REPLAYED] == "true" and again.status_code == 303 and secret not in again.text
        assert not RAW_KEY.search((await first_user.get(url)).text)  # no second key, none shown again
        anonymous = await stranger.post(url, data={"name": "console"}, headers=idem)
        assert anonymous.status_code == 303 and anonymous.headers["location"] == "/console/login"
        assert secret not in anonymous.text and REPLAYED not in anonymous.headers
        for other in (second_user, key_viewer):
            theirs = await other.post(url, data={"name": "console"}, headers=idem)
            assert theirs.status_code == 303 and REPLAYED not in theirs.headers
            shown = RAW_KEY.search((await other.get(url)).text)
            assert shown and shown.group(0) != secret  # their own new key
    finally:
        for client in (first_user, second_user, stranger, key_viewer):
            await client.aclose()


async def test_a_revoked_keys_console_answers_are_never_replayed(app, space):
    key_id, raw = await second_key(space)
    viewer = await console_client(app, api_key=raw)
    try:
        idem = {"Idempotency-Key": new_key()}
        url = f"/console/spaces/{space.space_id}/keys"
        made = await viewer.post(url, data={"name": "by key"}, headers=idem)
        assert made.status_code == 303
        secret = RAW_KEY.search((await viewer.get(url)).text).group(0)
        assert (await space.delete(f"/keys/{key_id}")).status_code == 204
        again = await viewer.post(url, data={"name": "by key"}, headers=idem)
        assert again.status_code == 303 and again.headers["location"] == "/console/login"
        assert secret not in again.text and REPLAYED not in again.headers
    finally:
        await viewer.aclose()


# -- every authenticated write claims its key after authenticating -----------------------------

CLAIMING = {"authenticated", "principal_for_key", "bird_principal", "msgapi_principal", "cpaas_principal",
            "space_caller", "writer"}
# Writes no credential authenticates: provider webhooks (signed), a presigned upload, the
# app-user session handshake, the console login form. They ignore Idempotency-Key.
PUBLIC_WRITES = {"/webhooks/whatsapp/{apiSpaceId}/{channelId}", "/webhooks/messenger/{apiSpaceId}/{channelId}",
                 "/webhooks/telegram/{apiSpaceId}/{channelId}", "/media/{fileId}/upload",
                 "/apispaces/{apiSpaceId}/sessions", "/console/login", "/console/logout"}


def _dependencies(dependant, found: set[str]) -> set[str]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            found.add(getattr(dep.call, "__name__", ""))
        _dependencies(dep, found)
    return found


def test_every_write_claims_its_key_through_an_authentication_dependency(app):
    writes = [(ctx.path, ctx.original_route) for ctx in iter_route_contexts(app.routes)
              if isinstance(ctx.original_route, APIRoute) and set(ctx.methods or ()) & idempotency.WRITES]
    assert len(writes) > 100
    unclaimed = {path for path, route in writes if not _dependencies(route.dependant, set()) & CLAIMING}
    assert unclaimed == PUBLIC_WRITES


async def test_a_stored_answer_holding_a_new_key_is_encrypted_at_rest(app, space):
    """`POST /keys` answers the raw key once; its stored answer, kept for replay, must not hold it
    in clear text in the database."""
    from sqlalchemy import Text, select, type_coerce

    from onecast.kit.models import IdempotencyRecord

    created = await space.post("/keys", json={"name": "ci"}, headers={"Idempotency-Key": "new-key-1"})
    assert created.status_code == 201, created.text
    raw_key = created.json()["apiKey"]
    replayed = await space.post("/keys", json={"name": "ci"}, headers={"Idempotency-Key": "new-key-1"})
    assert replayed.headers.get("idempotent-replayed") == "true" and replayed.json()["apiKey"] == raw_key
    async with app.state.db.read() as session:
        stored = (await session.execute(select(type_coerce(IdempotencyRecord.body, Text)).where(
            IdempotencyRecord.key == "new-key-1"))).scalars().all()
    assert stored and all(raw_key not in text for text in stored)
