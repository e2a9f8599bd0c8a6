"""Messaging APIs v1.0 request bodies (seed 003 §2). Members the doc marks required but that
cannot all be present (location, contacts...) are optional here; `type` says which one is read."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MessageType = Literal["audio", "document", "image", "location", "system", "text", "video", "voice", "contacts",
                      "template", "optin", "optout"]


Coordinate = float | Annotated[str, StringConstraints(max_length=40)]


class Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class OutBoundContact(Loose):
    contactId: str | None = Field(default=None, max_length=255)
    email: str | None = Field(default=None, max_length=320)
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=32)


class OutBoundMsgText(Loose):
    body: str = Field(max_length=100_000)


class OutBoundMsgMedia(Loose):
    link: str = Field(pattern=r"^https?://", max_length=2048)
    caption: str | None = Field(default=None, max_length=3000)
    filename: str | None = Field(default=None, max_length=255)


class CommonMsgLocation(Loose):
    latitude: Coordinate
    longitude: Coordinate
    name: str | None = Field(default=None, max_length=1000)
    address: str | None = Field(default=None, max_length=1000)
    url: str | None = Field(default=None, max_length=2048)


class CommonTemplateMeta(Loose):
    code: str | None = Field(default=None, max_length=512)
    id: str | None = Field(default=None, max_length=100)
    lang: str | None = Field(default=None, max_length=20)
    data: dict[str, Any] | None = None
    linked: str | None = Field(default=None, max_length=255)


class TmplElement(Loose):
    type: str | None = Field(default=None, max_length=40)
    code: str | None = Field(default=None, max_length=256)
    label: str | None = Field(default=None, max_length=256)
    url: str | None = Field(default=None, max_length=2048)
    phone: str | None = Field(default=None, max_length=32)


class CommonMsgOptions(Loose):
    buttonDisplayScheme: Literal["auto", "list", "buttons"] = "auto"
    buttons: list[TmplElement] = Field(default_factory=list, max_length=10)


class OutBoundMsg(Loose):
    channelId: str = Field(min_length=1, max_length=100)
    to: OutBoundContact
    type: MessageType
    text: OutBoundMsgText | None = None
    image: OutBoundMsgMedia | None = None
    audio: OutBoundMsgMedia | None = None
    video: OutBoundMsgMedia | None = None
    document: OutBoundMsgMedia | None = None
    voice: OutBoundMsgMedia | None = None
    location: CommonMsgLocation | None = None
    contacts: list[dict[str, Any]] | None = Field(default=None, max_length=20)
    template: CommonTemplateMeta | None = None
    options: CommonMsgOptions | None = None
    mask: bool = False
    messageIdResend: str | None = Field(default=None, max_length=64)


class WebhookUrlRequest(Loose):
    url: str = Field(pattern=r"^https?://", max_length=2048)


class ContactPrefsUpdate(Loose):
    contactId: str = Field(min_length=1, max_length=255)
    lang: str = Field(min_length=1, max_length=35)


class Link(Loose):
    linkName: str | None = Field(default=None, max_length=255)
    linkType: str | None = Field(default=None, max_length=255)
    linkValue: str | None = Field(default=None, max_length=1000)


class DigitalObjectDto(Loose):
    id: str = Field(min_length=1, max_length=255)
    type: str | None = Field(default=None, max_length=100)
    data: dict[str, Any] = Field(default_factory=dict)
    links: list[Link] = Field(default_factory=list, max_length=50)


class DigitalEventDto(Loose):
    eventName: str = Field(min_length=1, max_length=100)
    id: Annotated[str, StringConstraints(max_length=255)] | int = Field(
        description="The customer (profile) id the event is about")
    links: list[Link] = Field(default_factory=list, max_length=50)


class SessionStatusClose(Loose):
    sessionId: str = Field(min_length=1, max_length=255)


class SessionQueueAssignment(SessionStatusClose):
    queue: str = Field(min_length=1, max_length=255)
    agent: str | None = Field(default=None, max_length=255)
    team: str | None = Field(default=None, max_length=255)
    skills: list[Annotated[str, StringConstraints(max_length=255)]] | None = Field(default=None, max_length=50)
    params: dict[str, Any] = Field(default_factory=dict)
