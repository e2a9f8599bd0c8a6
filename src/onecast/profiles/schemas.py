"""Request and response shapes. Profiles are open documents: any field besides the system ones."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictBool, StringConstraints

ChannelName = Annotated[str, StringConstraints(max_length=100, pattern=r"^[A-Za-z0-9_]{1,100}$")]
# Ids travel in URL paths: no '/' and no control characters.
ID_PATTERN = r"^[^/\x00-\x1f\x7f]+$"
ProfileIdStr = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=ID_PATTERN)]

_OPEN = ConfigDict(extra="allow", json_schema_extra={
    "description": "Any JSON fields (objects nest up to 10 levels, 64 KB in all); "
                   "names starting with '_' are reserved for system fields."})


class ProfileIn(BaseModel):
    """A profile to create: `id` plus any fields."""

    model_config = _OPEN
    id: ProfileIdStr = Field(description="Caller-chosen id (email, customer number...)")


class ProfileUpdate(BaseModel):
    """Fields to store; `id`, when given, must match the path."""

    model_config = _OPEN
    id: ProfileIdStr | None = None


class ProfileOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    createdOn: str = Field(alias="_createdOn")
    createdBy: str = Field(alias="_createdBy")
    updatedOn: str = Field(alias="_updatedOn")
    updatedBy: str = Field(alias="_updatedBy")
    optIns: dict[str, bool] = Field(alias="_optIns", description="Explicit opt-ins per channel")
    primaryProfileId: str | None = Field(default=None, alias="_primaryProfileId")
    linkedProfileIds: list[str] | None = Field(default=None, alias="_linkedProfileIds")
    deleted: bool | None = Field(default=None, alias="_deleted", description="Present when soft-deleted")
    deletedOn: str | None = Field(default=None, alias="_deletedOn")


class ProfileProjection(BaseModel):
    """A query result: the whole document, or `id` plus the `$fields` asked for."""

    model_config = ConfigDict(extra="allow")
    id: str


class OptInChannels(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channels: list[ChannelName] = Field(min_length=1, max_length=100)


class OptInDefaults(RootModel[dict[ChannelName, StrictBool]]):
    """Channel -> opted in by default."""

    model_config = ConfigDict(json_schema_extra={"additionalProperties": False})

    root: dict[ChannelName, StrictBool] = Field(max_length=100)
