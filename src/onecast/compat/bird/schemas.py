"""Bird's channel message request (seed 004: ChannelMessageCreateWithBody / WithTemplate)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

MAX_TAGS = 10
MAX_RECIPIENTS = 100


class Contact(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None = Field(default=None, min_length=1, max_length=255)
    identifierKey: str | None = Field(default=None, min_length=1, max_length=100)
    identifierValue: str | None = Field(default=None, min_length=1, max_length=320)

    @model_validator(mode="after")
    def _identified(self) -> Contact:
        if not (self.id or (self.identifierKey and self.identifierValue)):
            raise ValueError("a contact needs `id` or `identifierKey` and `identifierValue`")
        return self


class Receiver(BaseModel):
    model_config = ConfigDict(extra="allow")
    # Several only on an e-mail channel (seed 004); the service checks the channel.
    contacts: list[Contact] = Field(min_length=1, max_length=MAX_RECIPIENTS)


class TemplateParameter(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str = Field(default="string", max_length=50)
    key: str = Field(min_length=1, max_length=255)
    value: Any = None


class Template(BaseModel):
    model_config = ConfigDict(extra="allow")
    projectId: str = Field(max_length=100, pattern=r"^[A-Za-z0-9_-]{1,100}$")
    version: str | None = Field(default=None, max_length=100)
    locale: str | None = Field(default=None, max_length=35)
    parameters: list[TemplateParameter] | None = Field(default=None, max_length=200)
    variables: dict[str, Any] | None = None


class BirdMessageIn(BaseModel):
    """Either `body` or `template`; unknown members (meta, notification...) are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    receiver: Receiver
    body: dict[str, Any] | None = None
    template: Template | None = None
    reference: str | None = Field(default=None, max_length=255)
    tags: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] | None = Field(
        default=None, max_length=MAX_TAGS)
    scheduledFor: datetime | None = None

    @field_validator("tags")
    @classmethod
    def _lower(cls, tags: list[str] | None) -> list[str] | None:
        if tags is None:
            return None
        return list(dict.fromkeys(t.lower() for t in tags))

    @model_validator(mode="after")
    def _one_content(self) -> BirdMessageIn:
        if (self.body is None) == (self.template is None):
            raise ValueError("set `body`, or `template` for a template message, not both")
        return self


class PresignIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    contentType: str = Field(min_length=1, max_length=255)
