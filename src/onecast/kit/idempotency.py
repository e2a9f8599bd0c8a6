"""`Idempotency-Key` for every write: the same key and body replays the first answer,
the same key with another body is 409, a key still being processed is 409 too.

The key is scoped by the caller's credentials, so two tenants never share keys.
"""
from __future__ import annotations

import hashlib

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onecast.kit.clock import utcnow
from onecast.kit.db import idempotency_claim
from onecast.kit.errors import Problem
from onecast.kit.limits import send_problem
from onecast.kit.models import IdempotencyRecord

HEADER = b"idempotency-key"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# A pending record older than this belongs to a request that died; a retry may take it over.
PENDING_TAKEOVER = timedelta(seconds=60)
# How long an answer is kept for replay (Stripe and others keep 24 hours).
RETENTION = timedelta(hours=24)
# Answers that depend on the moment, not on the request, are not replayed.
NOT_STORED = {401, 408, 429}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, HEADER) if scope["type"] == "http" and scope["method"] in WRITES else None
        if key is None:
            await self.app(scope, receive, send)
            return
        if not 1 <= len(key) <= 255:
            await send_problem(send, Problem(400, "InvalidIdempotencyKey",
                                             "Idempotency-Key must be 1 to 255 characters"))
            return
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
        auth = _header(scope, b"authorization") or ""
        scope_id = hashlib.sha256(auth.encode()).hexdigest()
        fingerprint = hashlib.sha256(b"\n".join([
            scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body,
        ])).hexdigest()
        db = scope["app"].state.db

        settings = getattr(scope["app"].state, "settings", None)
        takeover = timedelta(seconds=settings.idempotency_takeover_seconds) if settings else PENDING_TAKEOVER
        replay = await self._claim(db, scope_id, key, fingerprint, takeover)
        if isinstance(replay, Problem):
            await send_problem(send, replay)
            return
        if replay is not None:
            headers = [(k.encode(), v.encode()) for k, v in replay.headers.items()]
            headers.append((b"idempotent-replayed", b"true"))
            await send({"type": "http.response.start", "status": replay.status_code, "headers": headers})
            await send({"type": "http.response.body", "body": (replay.body or "").encode()})
            return

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
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in message.get("headers", [])
                           if k.lower() not in (b"content-length", b"date", b"server")}
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        claim = idempotency_claim.set((scope_id, key))
        try:
            await self.app(scope, replay_receive, capture_send)
        finally:
            idempotency_claim.reset(claim)
            await self._finish(db, scope_id, key, status, headers, b"".join(chunks))

    async def _claim(self, db, scope_id: str, key: str, fingerprint: str,  # noqa: ANN001
                     takeover: timedelta = PENDING_TAKEOVER):
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

    async def _finish(self, db, scope_id: str, key: str, status: int, headers: dict, body: bytes) -> None:  # noqa: ANN001
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




async def purge_expired(db) -> int:  # noqa: ANN001
    """Forget answers older than the retention period; the worker calls this now and then."""
    async with db.transaction() as session:
        result = await session.execute(delete(IdempotencyRecord).where(
            IdempotencyRecord.created_on < utcnow() - RETENTION))
        return result.rowcount or 0


async def purge_expired_chore(db, settings) -> None:  # noqa: ANN001
    await purge_expired(db)
