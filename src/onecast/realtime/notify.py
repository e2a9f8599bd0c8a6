"""Emit realtime events from inside a write transaction; they leave only if it commits.

`emit` stashes the notice on the session. Before the commit, on PostgreSQL, each becomes a
`pg_notify` in the same transaction, so every server process listening receives it exactly
when the change is visible. On SQLite (one server process) the notices go to this process's
hub after the commit.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from onecast.kit.clock import iso, utcnow
from onecast.kit.ids import new_id
from onecast.realtime.hub import HUB
from onecast.realtime.models import LargeNotice

CHANNEL = "onecast_realtime"
# PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; bigger notices go by reference.
MAX_PAYLOAD = 7000
_KEY = "onecast_realtime_notices"


def envelope(space_id: str, name: str, payload: dict[str, Any], *, created_by: str,
             conversation_id: str | None = None, conversation_event_id: int | None = None,
             revision: int | None = None, etag: str | None = None) -> dict[str, Any]:
    now = iso(utcnow())
    event_doc: dict[str, Any] = {"eventId": new_id(), "apiSpaceId": space_id, "name": name, "payload": payload,
                                 "context": {"createdBy": created_by, "createdOn": now}, "publishedOn": now}
    if conversation_id is not None:
        event_doc["conversationId"] = conversation_id
    if conversation_event_id is not None:
        event_doc["conversationEventId"] = conversation_event_id
    if revision is not None:
        event_doc["revision"] = revision
    if etag is not None:
        event_doc["etag"] = etag
    return event_doc


def emit(session, space_id: str, recipients: list[str] | set[str], event_doc: dict[str, Any]) -> None:
    """Queue an event for the sockets of these profiles, sent if the transaction commits."""
    if not recipients:
        return
    session.info.setdefault(_KEY, []).append({"space": space_id, "to": sorted(set(recipients)), "event": event_doc})


def close_sockets(session, space_id: str, session_ids: list[str] | None) -> None:
    """Close the sockets of these app sessions (None: every socket of the space) once the
    transaction commits, in every server process, the way events travel."""
    session.info.setdefault(_KEY, []).append({"space": space_id, "ended": session_ids})


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@event.listens_for(Session, "before_commit")
def _notify_before_commit(session: Session) -> None:
    notices = session.info.get(_KEY)
    if not notices or not _is_postgres(session):
        return
    session.info.pop(_KEY)
    for notice in notices:
        text = json.dumps(notice, separators=(",", ":"))
        if len(text.encode()) > MAX_PAYLOAD:
            row = LargeNotice(body=notice, created_on=utcnow())
            session.add(row)
            session.flush()
            text = json.dumps({"ref": row.id})
        session.execute(select(func.pg_notify(CHANNEL, text)))


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    for notice in session.info.pop(_KEY, None) or []:
        HUB.deliver(notice)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_KEY, None)


def push_profile_update(session, space_id: str, profile_id: str, doc: dict[str, Any], etag: str,
                        revision: int) -> None:
    """profile.update to the user's own sockets."""
    emit(session, space_id, [profile_id],
         envelope(space_id, "profile.update", doc, created_by="system", revision=revision, etag=etag))
