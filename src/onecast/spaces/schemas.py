from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SpaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)


class SpaceOut(BaseModel):
    id: str
    accountId: str
    name: str
    createdOn: str
    updatedOn: str


class SpaceCreated(SpaceOut):
    apiKey: str = Field(description="The first API key of the space; shown only once")
    apiKeyId: str


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=200)


class KeyOut(BaseModel):
    id: str
    name: str
    prefix: str
    apiSpaceId: str
    createdOn: str
    revokedOn: str | None = None


class KeyCreated(KeyOut):
    apiKey: str = Field(description="The secret; shown only once, stored hashed")
