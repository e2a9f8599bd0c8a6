"""Conversation and conversation-message shapes (One API §6.1, §6.2)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

ID_PATTERN = r"^[^/\x00-\x1f\x7f]+$"
ConversationIdStr = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=ID_PATTERN)]
ProfileIdStr = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(max_length=2000)]


class Privileges(BaseModel):
    canSend: bool
    canAddParticipants: bool
    canRemoveParticipants: bool


class Roles(BaseModel):
    owner: Privileges
    participant: Privileges


class ParticipantIn(BaseModel):
    id: ProfileIdStr
    role: Literal["owner", "participant", "member"] = "participant"

    @field_validator("role")
    @classmethod
    def _member_is_participant(cls, value: str) -> str:
        return "participant" if value == "member" else value  # the JS SDK says "member"


class ParticipantOut(BaseModel):
    id: str
    role: str


class ConversationIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: ConversationIdStr
    name: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    description: Text | None = None
    roles: Roles
    isPublic: bool
    participants: Annotated[list[ParticipantIn], Field(max_length=1000)] = []
    messageScope: Literal["a2p", "p2p"] = "p2p"


class ConversationUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    description: Text | None = None
    roles: Roles
    isPublic: bool | None = None


class ConversationOut(BaseModel):
    id: str
    name: str
    description: str | None
    roles: Roles
    isPublic: bool
    messageScope: str
    participantCount: int
    latestSentEventId: int | None
    etag: str = Field(alias="_etag")
    createdOn: str | None = Field(alias="_createdOn")
    updatedOn: str | None = Field(alias="_updatedOn")
    createdBy: str = Field(alias="_createdBy")
    updatedBy: str = Field(alias="_updatedBy")
    isDeleted: bool = Field(alias="_isDeleted")


class MessagePart(BaseModel):
    name: Annotated[str, StringConstraints(max_length=255)] | None = None
    type: Annotated[str, StringConstraints(max_length=255)] | None = None
    url: Annotated[str, StringConstraints(max_length=4096)] | None = None
    data: Annotated[str, StringConstraints(max_length=262_144)] | None = None
    size: Annotated[int, Field(ge=0, le=2**40)] | None = None


class From(BaseModel):
    profileId: ProfileIdStr
    name: Annotated[str, StringConstraints(max_length=500)] | None = None


class MessagePost(BaseModel):
    parts: Annotated[list[MessagePart], Field(min_length=1, max_length=100)]
    from_: From | None = Field(None, alias="from")
    metadata: dict[str, Any] | None = None
    alert: dict[str, Any] | None = None
    direction: Literal["inbound", "outbound"] | None = None


class MessageSent(BaseModel):
    id: str
    eventId: int


class StatusUpdate(BaseModel):
    messageIds: Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=64)]],
                          Field(min_length=1, max_length=1000)]
    status: Literal["delivered", "read"]
    timestamp: datetime | None = None


class MessagesPage(BaseModel):
    earliestEventId: int | None
    latestEventId: int | None
    messages: list[dict[str, Any]]
    orphanedEvents: list[dict[str, Any]]


class StreamEvent(BaseModel):
    eventId: int
    id: str
    name: str
    conversationId: str
    data: dict[str, Any]
    publishedOn: str
