"""Where file bytes live: a local directory by default, or an S3-compatible bucket. The API and
the database know only a storage key."""
from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol


class Storage(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes | None: ...

    async def delete(self, key: str) -> None: ...

    def presigned_post(self, key: str, content_type: str, max_bytes: int, seconds: int) -> dict[str, Any] | None:
        """`{url, fields}` for a browser/client to POST the file straight to storage, or None when
        uploads go through Onecast's own upload endpoint."""
        ...

    def download_url(self, key: str, seconds: int) -> str | None:
        """A URL to redirect readers to, or None when Onecast serves the bytes itself."""
        ...


class LocalStorage:
    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:  # keys are ours, but never leave the root
            raise ValueError(f"bad storage key {key!r}")
        return path

    def _write(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)  # readers see the whole file or none
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _read(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, key, data)

    async def get(self, key: str) -> bytes | None:
        return await asyncio.to_thread(self._read, key)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    def presigned_post(self, key: str, content_type: str, max_bytes: int, seconds: int) -> dict[str, Any] | None:
        return None

    def download_url(self, key: str, seconds: int) -> str | None:
        return None


class S3Storage:
    """Any S3-compatible store (AWS, MinIO, Ceph, R2...) through boto3, an optional dependency
    (`pip install 'onecast[s3]'`); credentials come from the usual AWS_* environment or config."""

    def __init__(self, bucket: str, endpoint_url: str | None = None, region: str | None = None,
                 client: Any = None) -> None:
        if client is None:
            try:
                import boto3  # optional: only an S3 deployment needs it
            except ImportError as missing:
                raise RuntimeError("ONECAST_CONTENT_STORAGE=s3 needs boto3: pip install 'onecast[s3]'") from missing

            client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None)
        self.bucket = bucket
        self.client = client

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self.client.put_object, Bucket=self.bucket, Key=key, Body=data,
                                ContentType=content_type)

    async def get(self, key: str) -> bytes | None:
        def read() -> bytes | None:
            try:
                return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            except self.client.exceptions.NoSuchKey:
                return None
        return await asyncio.to_thread(read)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=key)

    def presigned_post(self, key: str, content_type: str, max_bytes: int, seconds: int) -> dict[str, Any] | None:
        return self.client.generate_presigned_post(
            Bucket=self.bucket, Key=key, Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=seconds)

    def download_url(self, key: str, seconds: int) -> str | None:
        return self.client.generate_presigned_url("get_object", Params={"Bucket": self.bucket, "Key": key},
                                                  ExpiresIn=seconds)


def storage_for(settings) -> Storage:
    if settings.content_storage == "s3":
        if not settings.content_s3_bucket:
            raise RuntimeError("ONECAST_CONTENT_STORAGE=s3 needs ONECAST_CONTENT_S3_BUCKET")
        return S3Storage(settings.content_s3_bucket, settings.content_s3_endpoint_url, settings.content_s3_region)
    if settings.content_storage != "local":
        raise RuntimeError(f"ONECAST_CONTENT_STORAGE must be local or s3, not {settings.content_storage!r}")
    return LocalStorage(settings.content_dir)
