"""`Idempotency-Key` for every authenticated write: the same key and body replays the first answer,
the same key with another body is 409, a key still being processed is 409 too.

A key belongs to the authenticated principal (`account:space:credential`), never to raw headers.
The middleware only buffers the body and fingerprints the request; the key is claimed by `claim`,
which every authentication dependency calls once it knows who calls. So a request without valid
credentials gets its normal 401 and never reaches the store, a revoked key or an ended session
has no answers to replay, and two tenants never share a key on any surface. A write that no
credential authenticates (provider webhooks, starting an app-user session) ignores the header.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI, Request, Response
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onecast.kit.clock import utcnow
from onecast.kit.db import idempotency_claim
from onecast.kit.errors import Problem
from onecast.kit.models import IdempotencyRecord

HEADER = b"idempotency-key"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# A pending record older than this belongs to a request that died; a retry may take it over.
PENDING_TAKEOVER = timedelta(seconds=60)
# How long an answer is kept for replay (Stripe and others keep 24 hours).
RETENTION = timedelta(hours=24)
# Answers that depend on the moment, not on the request, are not replayed.
NOT_STORED = {401, 408, 429}
# The ASGI scope entry holding the request's `PendingKey` (a /cpaas request re-dispatched inside
# the app carries it along in its copy of the scope).
SCOPE_ENTRY = "onecast.idempotency"


def principal_scope(account_id: str, space_id: str, credential: str) -> str:
    """Whose keys: `credential` is `kind:id`; a credential bound to no one space uses `*`."""
    return f"{account_id}:{space_id}:{credential}"


def key_scope(account_id: str, space_id: str, key_id: str) -> str:
    return principal_scope(account_id, space_id, f"key:{key_id}")


@dataclass
class PendingKey:
    """The Idempotency-Key of the running request; `scope` is set once it is claimed."""

    key: str
    fingerprint: str
    scope: str | None = None
    invalid: bool = False  # not 1 to 255 characters: `claim` refuses it


class Replay(Exception):
    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__(record.key)
        self.record = record


async def claim(request: Request, scope_id: str) -> None:
    """Claim the request's Idempotency-Key for the principal `scope_id` that just authenticated it;
    raises `Replay` when its answer is stored, a 409 Problem when it is reused or in progress.
    Only the first claim of a request counts (a /cpaas request authenticates again inside)."""
    pending: PendingKey | None = request.scope.get(SCOPE_ENTRY)
    if pending is None or pending.scope is not None:
        return
    if pending.invalid:
        raise Problem(400, "InvalidIdempotencyKey", "Idempotency-Key must be 1 to 255 characters")
    settings = request.app.state.settings
    found = await _claim_record(request.app.state.db, scope_id, pending.key, pending.fingerprint,
                                timedelta(seconds=settings.idempotency_takeover_seconds))
    if isinstance(found, Problem):
        raise found
    if found is not None:
        raise Replay(found)
    pending.scope = scope_id


async def forget(session: AsyncSession, scope_id: str) -> None:
    """Drop the stored answers of a credential that was revoked or ended."""
    await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.scope == scope_id))


async def forget_space(session: AsyncSession, account_id: str, space_id: str) -> None:
    """Drop the stored answers of every credential of a deleted space."""
    prefix = principal_scope(account_id, space_id, "")
    await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.scope.startswith(prefix, autoescape=True)))


def install_idempotency(app: FastAPI) -> None:
    app.add_middleware(IdempotencyMiddleware)
    app.add_exception_handler(Replay, _replayed)  # type: ignore[arg-type]


async def _replayed(_: Request, exc: Replay) -> Response:
    record = exc.record
    return Response(record.body or "", status_code=record.status_code or 200,
                    headers={**record.headers, "Idempotent-Replayed": "true"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


class IdempotencyMiddleware:
    """Buffers the body of a write that carries the header, then stores the answer of a request
    whose key an authentication dependency claimed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, HEADER) if scope["type"] == "http" and scope["method"] in WRITES else None
        if key is None:
            await self.app(scope, receive, send)
            return
        if not 1 <= len(key) <= 255:
            # Refused by `claim`, inside the route, so each surface answers in its own error shape.
            scope[SCOPE_ENTRY] = PendingKey(key, "", invalid=True)
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
        fingerprint = hashlib.sha256(b"\n".join([
            scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body,
        ])).hexdigest()
        pending = PendingKey(key, fingerprint)
        scope[SCOPE_ENTRY] = pending

        sent_body = False

        async def replay_receive() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        status = 500
        headers: dict[str, str] = {}
        chunks: list[bytes] = []

        async def capture_send(message: Message) -> None:
            nonlocal status, headers
            if pending.scope is not None:  # claimed before the answer starts: keep it
                if message["type"] == "http.response.start":
                    status = message["status"]
                    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in message.get("headers", [])
                               if k.lower() not in (b"content-length", b"date", b"server")}
                elif message["type"] == "http.response.body":
                    chunks.append(message.get("body", b""))
            await send(message)

        # Every write transaction of the request marks a claimed key "applied" in its commit.
        token = idempotency_claim.set(pending)
        try:
            await self.app(scope, replay_receive, capture_send)
        finally:
            idempotency_claim.reset(token)
            if pending.scope is not None:
                await _store_answer(scope["app"].state.db, pending.scope, key, status, headers, b"".join(chunks))


async def _claim_record(db, scope_id: str, key: str, fingerprint: str,
                        takeover: timedelta = PENDING_TAKEOVER) -> IdempotencyRecord | Problem | None:
    """None: claimed (a new pending record); the record: its answer to replay; else the 409."""
    now = utcnow()
    try:
        async with db.transaction() as session:
            existing = (await session.execute(select(IdempotencyRecord).where(
                IdempotencyRecord.scope == scope_id, IdempotencyRecord.key == key).with_for_update()
            )).scalar_one_or_none()
            if existing is None:
                session.add(IdempotencyRecord(scope=scope_id, key=key, request_hash=fingerprint,
                                              state="pending", created_on=now, headers={}))
                return None
            if now - existing.created_on > RETENTION:
                existing.request_hash, existing.state, existing.created_on = fingerprint, "pending", now
                existing.status_code = existing.body = existing.content_type = None
                existing.headers = {}
                return None
            if existing.request_hash != fingerprint:
                return Problem(409, "IdempotencyKeyReused",
                               "This Idempotency-Key was used with a different request")
            if existing.state == "done":
                return existing
            if now - existing.created_on < takeover:
                return Problem(409, "IdempotencyKeyInProgress",
                               "A request with this Idempotency-Key is still being processed",
                               headers={"Retry-After": "1"})
            if existing.state == "applied":
                # Its changes were committed, then the process died before the answer was
                # stored: applying the request again would do it twice (e.g. send twice).
                return Problem(409, "IdempotencyKeyApplied",
                               "The request with this Idempotency-Key was applied, but its answer was lost "
                               "when the server stopped; it is not applied again")
            existing.created_on = now
            return None
    except IntegrityError:
        # Another request inserted the same key between our read and write.
        return Problem(409, "IdempotencyKeyInProgress",
                       "A request with this Idempotency-Key is still being processed",
                       headers={"Retry-After": "1"})


async def _store_answer(db, scope_id: str, key: str, status: int, headers: dict, body: bytes) -> None:
    async with db.transaction() as session:
        record = (await session.execute(select(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope_id, IdempotencyRecord.key == key).with_for_update()
        )).scalar_one_or_none()
        if record is None:
            return
        if status >= 500 or status in NOT_STORED:
            await session.execute(delete(IdempotencyRecord).where(
                IdempotencyRecord.scope == scope_id, IdempotencyRecord.key == key))
            return
        record.state = "done"
        record.status_code = status
        record.headers = headers
        record.body = body.decode("utf-8", errors="replace")
        record.content_type = headers.get("content-type")


async def purge_expired(db) -> int:
    """Forget answers older than the retention period; the worker calls this now and then."""
    async with db.transaction() as session:
        result = await session.execute(delete(IdempotencyRecord).where(
            IdempotencyRecord.created_on < utcnow() - RETENTION))
        return result.rowcount or 0


async def purge_expired_chore(db, settings) -> None:
    await purge_expired(db)
