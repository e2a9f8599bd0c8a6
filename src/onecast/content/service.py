"""Uploaded content: store (after the size/type checks), presigned uploads, read, delete and
retention. File bytes are written before the row commits and removed again if it does not."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels.service import enabled_channels, resolve
from onecast.content import limits
from onecast.content.models import ContentFile, ContentSettings
from onecast.content.storage import Storage
from onecast.kit.clock import iso, utcnow
from onecast.kit.errors import Problem, invalid, not_found
from onecast.kit.ids import hash_secret, new_id

MEDIA_PATH = "/media/"


def media_url(base: str, row: ContentFile) -> str:
    return f"{base}{MEDIA_PATH}{row.access_key}"


def upload_url(base: str, row: ContentFile) -> str:
    return f"{base}{MEDIA_PATH}{row.id}/upload"


def file_view(row: ContentFile, base: str) -> dict[str, Any]:
    view = {"id": row.id, "url": media_url(base, row), "name": row.name, "type": row.type, "folder": row.folder,
            "size": row.size, "channel": row.channel, "status": row.status,
            "_createdOn": iso(row.created_on), "_createdBy": row.created_by,
            "_updatedOn": iso(row.updated_on), "_updatedBy": row.updated_by}
    return {k: v for k, v in view.items() if v is not None}


async def channel_type(session: AsyncSession, space_id: str, channel: str | None) -> str | None:
    """The type of the channel a file is for (a rule name: id or type), so its limits apply."""
    if channel is None:
        return None
    resolved = resolve(channel, await enabled_channels(session, space_id))
    if resolved is None:
        raise invalid("channel", f"there is no channel {channel!r} in this API space", "UnknownChannel")
    return resolved.type


def check_file(data: bytes, mime: str, ctype: str | None, global_max: int) -> int:
    limit = limits.allowed_size(mime, ctype, global_max)
    limits.check_size(len(data), limit, limits.normalise(mime), ctype)
    limits.check_bytes(data, mime)
    return limit


def _new_row(space_id: str, name: str, mime: str, folder: str | None, channel: str | None, actor: str,
             **fields: Any) -> ContentFile:
    now = utcnow()
    file_id = new_id()
    return ContentFile(id=file_id, space_id=space_id, name=name, type=limits.normalise(mime), folder=folder,
                       channel=channel, storage_key=f"{space_id}/{file_id}", access_key=secrets.token_urlsafe(24),
                       created_on=now, created_by=actor, updated_on=now, updated_by=actor, **fields)


async def store(db, storage: Storage, space_id: str, actor: str, *, name: str, mime: str, data: bytes,
                folder: str | None, channel: str | None, global_max: int) -> ContentFile:
    async with db.read() as session:
        ctype = await channel_type(session, space_id, channel)
    limit = check_file(data, mime, ctype, global_max)
    row = _new_row(space_id, name, mime, folder, channel, actor, status="stored", size=len(data),
                   sha256=hashlib.sha256(data).hexdigest(), max_bytes=limit)
    await storage.put(row.storage_key, data, row.type)
    try:
        async with db.transaction() as session:
            session.add(row)
    except BaseException:
        await storage.delete(row.storage_key)
        raise
    return row


async def presign(session: AsyncSession, storage: Storage, space_id: str, actor: str, *, mime: str,
                  channel: str | None, global_max: int, seconds: int, base: str) -> dict[str, Any]:
    """Bird's presigned upload: where and how to POST the file, and the URL it will have."""
    ctype = await channel_type(session, space_id, channel)
    limit = limits.allowed_size(mime, ctype, global_max, field="contentType")
    token = secrets.token_urlsafe(32)
    row = _new_row(space_id, "", mime, None, channel, actor, status="pending", max_bytes=limit,
                   upload_token_hash=hash_secret(token), upload_expires_on=utcnow() + timedelta(seconds=seconds))
    session.add(row)
    direct = storage.presigned_post(row.storage_key, row.type, limit, seconds)
    if direct is not None:  # the client posts to the bucket; Onecast never sees the bytes
        row.status, row.upload_token_hash = "direct", None
        upload, form = direct["url"], dict(direct["fields"])
    else:
        upload, form = upload_url(base, row), {"token": token}
    return {"mediaUrl": media_url(base, row), "uploadUrl": upload, "uploadMethod": "POST", "uploadFormData": form}


async def accept_upload(db, storage: Storage, file_id: str, token: str, filename: str | None,
                        data: bytes) -> ContentFile:
    """The file of a presigned upload: the token is the credential, once, before it expires. The
    upload is claimed first, so two requests with the same token cannot both write the file."""
    async with db.transaction() as session:
        row = (await session.execute(select(ContentFile).where(ContentFile.id == file_id).with_for_update())
               ).scalar_one_or_none()
        if (row is None or row.status != "pending" or not row.upload_token_hash
                or not hmac.compare_digest(row.upload_token_hash, hash_secret(token))):
            raise Problem(403, "UploadNotAllowed", "No pending upload matches this URL and token")
        if row.upload_expires_on is not None and row.upload_expires_on < utcnow():
            raise Problem(403, "UploadExpired", "The presigned upload has expired; ask for a new one")
        limits.check_size(len(data), row.max_bytes, row.type, None)
        limits.check_bytes(data, row.type)
        row.status = "uploading"
    try:
        await storage.put(row.storage_key, data, row.type)
    except BaseException:
        async with db.transaction() as session:
            await session.execute(update(ContentFile).where(ContentFile.id == file_id).values(status="pending"))
        raise
    async with db.transaction() as session:
        current = await session.get(ContentFile, file_id, with_for_update=True)
        current.status, current.size = "stored", len(data)
        current.sha256 = hashlib.sha256(data).hexdigest()
        current.name = (filename or "")[:255]
        current.upload_token_hash = None
        current.updated_on = utcnow()
        return current


READABLE = ("stored", "direct")


async def get_file(session: AsyncSession, space_id: str, file_id: str) -> ContentFile:
    row = await session.get(ContentFile, file_id)
    if row is None or row.space_id != space_id or row.status not in READABLE:
        raise not_found("File")
    return row


async def by_access_key(session: AsyncSession, access_key: str) -> ContentFile:
    row = (await session.execute(select(ContentFile).where(ContentFile.access_key == access_key))
           ).scalar_one_or_none()
    if row is None or row.status not in READABLE:
        raise not_found("File")
    return row


async def delete_file(db, storage: Storage, space_id: str, file_id: str) -> ContentFile:
    async with db.transaction() as session:
        row = await session.get(ContentFile, file_id, with_for_update=True)
        if row is None or row.space_id != space_id:
            raise not_found("File")
        await session.delete(row)
    await storage.delete(row.storage_key)
    return row


async def retention_days(session: AsyncSession, space_id: str, default: int) -> int:
    row = await session.get(ContentSettings, space_id)
    return row.retention_days if row else default


async def set_retention(session: AsyncSession, space_id: str, days: int) -> int:
    row = await session.get(ContentSettings, space_id, with_for_update=True)
    if row is None:
        session.add(ContentSettings(space_id=space_id, retention_days=days, updated_on=utcnow()))
    else:
        row.retention_days, row.updated_on = days, utcnow()
    return days


async def purge_expired(db, storage: Storage, default_days: int, batch: int = 500) -> int:
    """Delete files older than their space's retention and presigned uploads that never came."""
    now = utcnow()
    async with db.read() as session:
        custom = {s.space_id: s.retention_days for s in (await session.execute(select(ContentSettings))).scalars()}
        expired = select(ContentFile.id, ContentFile.storage_key).where(
            ContentFile.created_on < now - timedelta(days=default_days))
        if custom:
            expired = expired.where(ContentFile.space_id.not_in(list(custom)))
        rows = list((await session.execute(expired.limit(batch))).all())
        for space_id, days in custom.items():
            rows += (await session.execute(select(ContentFile.id, ContentFile.storage_key).where(
                ContentFile.space_id == space_id, ContentFile.created_on < now - timedelta(days=days))
                .limit(batch))).all()
        rows += (await session.execute(select(ContentFile.id, ContentFile.storage_key).where(
            ContentFile.status.in_(("pending", "uploading")), ContentFile.upload_expires_on < now).limit(batch))).all()
    ids = list({r[0] for r in rows})
    if not ids:
        return 0
    async with db.transaction() as session:
        await session.execute(delete(ContentFile).where(ContentFile.id.in_(ids)))
    for _id, key in {(r[0], r[1]) for r in rows}:
        await storage.delete(key)
    return len(ids)
