"""Attachments from `messageParts`: inline base64 `data` or a `url` fetched with httpx, only from
addresses the outbound AddressGuard allows (each redirect hop is checked too)."""
from __future__ import annotations

import base64
import binascii
import mimetypes
import posixpath
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from onecast.kit.ssrf import AddressGuard, BlockedTarget

FETCH_TIMEOUT = 20.0


class AttachmentError(Exception):
    """An attachment that cannot be had; `permanent` when trying again cannot help."""

    def __init__(self, code: str, message: str, *, permanent: bool) -> None:
        self.code = code
        self.permanent = permanent
        super().__init__(message)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes

    @property
    def maintype(self) -> str:
        return self.content_type.split("/", 1)[0]

    @property
    def subtype(self) -> str:
        return self.content_type.split("/", 1)[1] if "/" in self.content_type else "octet-stream"


def _clean_type(value: str | None) -> str:
    kind = (value or "").split(";", 1)[0].strip().lower()
    return kind if "/" in kind and all(c.isalnum() or c in "/.+-_" for c in kind) else "application/octet-stream"


def _filename(part: dict[str, Any], content_type: str, index: int) -> str:
    name = part.get("name")
    if not name and part.get("url"):
        name = posixpath.basename(urlsplit(part["url"]).path)
    if not name:
        name = f"attachment-{index}{mimetypes.guess_extension(content_type) or '.bin'}"
    # a file name is one line; the email library encodes anything non-ASCII (RFC 2231)
    return " ".join(str(name).split())[:200]


def decode_data(data: str) -> bytes:
    if data.startswith("data:") and "base64," in data[:200]:
        data = data.split("base64,", 1)[1]
    try:
        return base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        raise AttachmentError("AttachmentInvalid", "attachment data is not valid base64", permanent=True) from None


async def _fetch(client: httpx.AsyncClient, url: str, limit: int) -> tuple[bytes, str | None]:
    try:
        async with client.stream("GET", url) as response:
            if response.status_code >= 400:
                permanent = response.status_code < 500 and response.status_code not in (408, 429)
                raise AttachmentError("AttachmentFetchFailed", f"GET {url} answered {response.status_code}",
                                      permanent=permanent)
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise AttachmentError("AttachmentTooLarge", f"{url} is larger than {limit} bytes",
                                          permanent=True)
                chunks.append(chunk)
            return b"".join(chunks), response.headers.get("content-type")
    except BlockedTarget as exc:
        raise AttachmentError("AttachmentBlocked", f"{url} is not fetched: {exc}", permanent=True) from None
    except httpx.HTTPError as exc:
        raise AttachmentError("AttachmentFetchFailed", f"GET {url} failed: {exc!r}", permanent=False) from None


async def load_attachments(parts: list[dict[str, Any]], limit: int,
                           guard: AddressGuard | None = None) -> list[Attachment]:
    """Every part as an attachment, within `limit` bytes in all."""
    attachments: list[Attachment] = []
    total = 0
    if not parts:
        return attachments
    async with (guard or AddressGuard()).client(timeout=FETCH_TIMEOUT, follow_redirects=True) as client:
        for index, part in enumerate(parts, start=1):
            declared = part.get("type")
            if part.get("url"):
                content, served_type = await _fetch(client, part["url"], limit - total)
                declared = declared or served_type
            elif isinstance(part.get("data"), str):
                content = decode_data(part["data"])
            else:
                continue  # structured data is meant for other channels (e.g. a WhatsApp template)
            total += len(content)
            if total > limit:
                raise AttachmentError("AttachmentTooLarge", f"attachments exceed {limit} bytes", permanent=True)
            content_type = _clean_type(declared)
            attachments.append(Attachment(_filename(part, content_type, index), content_type, content))
    return attachments
