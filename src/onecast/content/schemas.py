"""Content shapes: the One API `UploadedFile` / upload body (OAS-content) and Bird's presigned
upload (seed 004)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from onecast.channels.schemas import ChannelIdStr

# Base64 of a 48 MB file: above any sensible ONECAST_CONTENT_MAX_BYTES, whose body limit binds first.
MAX_BASE64_LENGTH = 64 * 1024 * 1024
MIME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$"


class ContentIn(BaseModel):
    """The JSON form of an upload: the file as base64."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=255, description="The name of the file")
    type: str = Field(max_length=255, pattern=MIME_PATTERN, description="The file's MIME type")
    data: str = Field(min_length=1, max_length=MAX_BASE64_LENGTH, description="The file's bytes, base64")


class UploadedFile(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    id: str
    url: str = Field(description="Public URL of the content (unguessable), for message parts")
    name: str
    type: str
    folder: str | None = None
    size: int | None = None
    channel: str | None = None
    status: str
    createdOn: str = Field(alias="_createdOn")
    createdBy: str = Field(alias="_createdBy")
    updatedOn: str = Field(alias="_updatedOn")
    updatedBy: str = Field(alias="_updatedBy")


class PresignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contentType: str = Field(min_length=1, max_length=255, pattern=MIME_PATTERN)
    channelId: ChannelIdStr | None = Field(default=None, description="Apply this channel's media limits")


class PresignedUpload(BaseModel):
    mediaUrl: str = Field(description="The URL to put in messages once the file is uploaded")
    uploadUrl: str
    uploadMethod: str
    uploadFormData: dict[str, str] = Field(description="Form fields to send with the file (field `file`)")


class Retention(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: int = Field(ge=1, le=3650, description="Uploaded media is deleted this many days after upload")
