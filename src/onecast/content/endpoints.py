"""Content over HTTP: upload (multipart, JSON base64 or a raw body), read, delete, retention,
Bird-style presigned uploads, and the public media and upload URLs."""
from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Query, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile as StarletteUpload

from onecast.content import service
from onecast.content.schemas import ContentIn, PresignedUpload, PresignIn, Retention, UploadedFile
from onecast.content.storage import Storage, storage_for
from onecast.kit.auth import SpaceAuth
from onecast.kit.errors import Problem, invalid, problem_responses, validation_problem
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db, get_settings

router = APIRouter(route_class=CheckedRoute, tags=["Content"], responses=problem_responses(400, 401, 404))

FileId = Annotated[str, Path(min_length=1, max_length=64, description="The file id")]
Folder = Annotated[str | None, Query(max_length=255, description="A folder name to file the content under")]
Channel = Annotated[str | None, Query(max_length=100, description="Check the file against this channel's "
                                                                   "media limits (a rule name, e.g. mms)")]
FILE_RESPONSE = {200: {"description": "The file's bytes", "content": {"*/*": {"schema": {
    "type": "string", "format": "binary"}}}}}
UPLOAD_BODY = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"}, "folder": {"type": "string", "maxLength": 255},
        "channel": {"type": "string", "maxLength": 100}}}},
    "application/json": {"schema": ContentIn.model_json_schema()},
}}}


def storage(request: Request) -> Storage:
    app_state = request.app.state
    if getattr(app_state, "content_storage", None) is None:
        app_state.content_storage = storage_for(get_settings(request))
    return app_state.content_storage


def base_url(request: Request) -> str:
    return (get_settings(request).content_base_url or str(request.base_url)).rstrip("/")


async def _read_upload(request: Request) -> dict[str, Any]:
    """name, mime, data (+ folder, channel) from whichever form the client used."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, StarletteUpload):
            raise invalid("file", "a multipart upload needs its file in the field `file`")
        mime = upload.content_type or ""
        folder, channel = form.get("folder"), form.get("channel")
        return {"name": (upload.filename or "file")[:255], "mime": mime, "data": await upload.read(),
                "folder": folder if isinstance(folder, str) else None,
                "channel": channel if isinstance(channel, str) else None}
    if kind == "application/json":
        try:
            raw = await request.json()
        except (ValueError, UnicodeDecodeError):
            raise Problem(400, "InvalidJson", "The request body is not valid JSON") from None
        try:
            body = ContentIn.model_validate(raw)
        except ValidationError as exc:
            from fastapi.exceptions import RequestValidationError

            raise validation_problem(RequestValidationError(exc.errors())) from None
        try:
            data = base64.b64decode(body.data, validate=True)
        except (binascii.Error, ValueError):
            raise invalid("data", "is not base64") from None
        return {"name": body.name, "mime": body.type, "data": data}
    # A raw body (the Android SDK): the type is the Content-Type, the name a header.
    return {"name": request.headers.get("content-filename", "file")[:255], "mime": kind,
            "data": await request.body()}


@router.post("/apispaces/{apiSpaceId}/content", response_model=UploadedFile, responses=problem_responses(409, 413),
             openapi_extra=UPLOAD_BODY,
             description="Upload a file: multipart/form-data (field `file`), JSON `{name, type, data (base64)}`, "
                         "or the raw bytes with their Content-Type and a `content-filename` header. The type must "
                         "match the bytes and the channel's (`channel`) media limits. Answers with its public URL.")
async def upload(request: Request, principal: SpaceAuth, folder: Folder = None, channel: Channel = None) -> dict:
    got = await _read_upload(request)
    if not got["mime"]:
        raise invalid("type", "the file's MIME type is missing")
    settings = get_settings(request)
    row = await service.store(get_db(request), storage(request), principal.space_id, principal.actor,
                              name=got["name"], mime=got["mime"], data=got["data"],
                              folder=got.get("folder") or folder, channel=got.get("channel") or channel,
                              global_max=settings.content_max_bytes)
    return service.file_view(row, base_url(request))


@router.get("/apispaces/{apiSpaceId}/content/retention", response_model=Retention,
            summary="Media retention of the API space")
async def get_retention(request: Request, principal: SpaceAuth) -> dict:
    async with get_db(request).read() as session:
        days = await service.retention_days(session, principal.space_id,
                                            get_settings(request).content_retention_days)
    return {"days": days}


@router.put("/apispaces/{apiSpaceId}/content/retention", response_model=Retention,
            summary="Set the media retention; files older than it are deleted in the background")
async def put_retention(request: Request, principal: SpaceAuth, body: Retention) -> dict:
    async with get_db(request).transaction() as session:
        return {"days": await service.set_retention(session, principal.space_id, body.days)}


@router.get("/apispaces/{apiSpaceId}/content/{fileId}", responses=FILE_RESPONSE, response_class=Response)
async def get_content(request: Request, principal: SpaceAuth, fileId: FileId) -> Response:
    async with get_db(request).read() as session:
        row = await service.get_file(session, principal.space_id, fileId)
    return await _serve(request, row)


@router.delete("/apispaces/{apiSpaceId}/content/{fileId}", response_model=UploadedFile,
               description="Delete the file; its URL stops working at once. Answers with what was deleted.")
async def delete_content(request: Request, principal: SpaceAuth, fileId: FileId) -> dict:
    row = await service.delete_file(get_db(request), storage(request), principal.space_id, fileId)
    return service.file_view(row, base_url(request))


async def _presign(request: Request, principal, content_type: str, channel: str | None) -> dict:
    settings = get_settings(request)
    async with get_db(request).transaction() as session:
        return await service.presign(session, storage(request), principal.space_id, principal.actor,
                                     mime=content_type, channel=channel, global_max=settings.content_max_bytes,
                                     seconds=settings.content_upload_seconds, base=base_url(request))


@router.post("/apispaces/{apiSpaceId}/presigned-upload", response_model=PresignedUpload,
             responses=problem_responses(409, 413),
             description="Bird-style presigned upload: POST the file as multipart/form-data to `uploadUrl` "
                         "with the `uploadFormData` fields and the file in the field `file` (no API key), "
                         "then use `mediaUrl` in messages.")
async def presigned_upload(request: Request, principal: SpaceAuth, body: PresignIn) -> dict:
    return await _presign(request, principal, body.contentType, body.channelId)


@router.post("/apispaces/{apiSpaceId}/channels/{channelId}/presigned-upload", response_model=PresignedUpload,
             responses=problem_responses(409, 413), description="A presigned upload checked against the "
                                                                "channel's media limits.")
async def channel_presigned_upload(request: Request, principal: SpaceAuth, body: PresignIn,
                                   channelId: Annotated[str, Path(max_length=100)]) -> dict:
    return await _presign(request, principal, body.contentType, channelId)


@router.post("/media/{fileId}/upload", status_code=204, response_class=Response, openapi_extra={"security": []},
             responses={204: {"description": "Stored"}, **problem_responses(403, 409, 413)},
             description="The upload URL of a presigned upload: the form fields it gave plus `file`.")
async def presigned_target(request: Request, fileId: FileId, token: Annotated[str, Form(max_length=200)],
                           file: Annotated[UploadFile, File()]) -> Response:
    data = await file.read()
    await service.accept_upload(get_db(request), storage(request), fileId, token, file.filename, data)
    return Response(status_code=204)


@router.get("/media/{accessKey}", responses={**FILE_RESPONSE, 302: {"description": "Redirect to the storage"}},
            response_class=Response, openapi_extra={"security": []},
            description="Public URL of uploaded content (the unguessable key is the credential).")
async def media(request: Request, accessKey: Annotated[str, Path(max_length=64)]) -> Response:
    async with get_db(request).read() as session:
        row = await service.by_access_key(session, accessKey)
    return await _serve(request, row)


async def _serve(request: Request, row) -> Response:
    store = storage(request)
    url = store.download_url(row.storage_key, 300)
    if url is not None:
        return RedirectResponse(url, status_code=302)
    data = await store.get(row.storage_key)
    if data is None:
        raise Problem(404, "NotFound", "The file's content is gone")
    return Response(data, media_type=row.type, headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(row.name or row.id, safe='')}",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, max-age=300"})
