"""The One API message shapes (reference §1.2, §2.2)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from onecast.channels.push.options import NativePushOptions
from onecast.channels.schemas import CHANNEL_ID_PATTERN, ChannelIdStr

OUTBOUND_STATUSES = ("processing", "retrying", "sent", "delivered", "read", "expired", "failed", "filtered")
PostableStatus = Literal["failed", "delivered", "read", "expired", "sent", "filtered"]
InboundStatus = Literal["delivered", "read"]
EMAIL_PATTERN = r"^[^@\s\"<>,;]+@[^@\s\"<>,;]+\.[^@\s\"<>,;]+$"
ChannelName = Annotated[str, StringConstraints(max_length=100)]  # an id or a type, checked where used
# A part's inline content (text or base64): the body size limit (1 MB by default) bounds it too.
MAX_PART_DATA = 1_000_000


class To(BaseModel):
    """Recipient: a profile id and/or direct addresses; other fields are kept on the profile."""

    model_config = ConfigDict(extra="allow")
    profileId: str | None = Field(default=None, min_length=1, max_length=255)
    phoneNumber: str | None = Field(default=None, min_length=3, max_length=32)
    email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)
    fbMessengerId: str | None = Field(default=None, min_length=1, max_length=255)
    telegramChatId: str | None = Field(default=None, min_length=1, max_length=64)
    firstName: str | None = Field(default=None, max_length=200)
    lastName: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _has_recipient(self) -> To:
        extras = {k: v for k, v in (self.model_extra or {}).items() if isinstance(v, str) and v}
        if not (self.profileId or self.phoneNumber or self.email or self.fbMessengerId
                or self.telegramChatId or extras):
            raise ValueError("give at least one of profileId, phoneNumber, email, fbMessengerId")
        for key, value in (self.model_extra or {}).items():
            if not isinstance(value, (str, int, float, bool)) or len(str(value)) > 320:
                raise ValueError(f"{key} must be a short string, number or boolean")
        return self


class MessagePart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = Field(min_length=1, max_length=255, description="MIME type, e.g. text/plain")
    name: str | None = Field(default=None, max_length=255)
    url: str | None = Field(default=None, max_length=2048, pattern=r"^https?://")
    data: Annotated[str, StringConstraints(max_length=MAX_PART_DATA)] | dict[str, Any] | None = Field(
        default=None, description="The content: text, base64 or an object")
    size: int | None = Field(default=None, ge=0)
    channels: list[ChannelName] | None = Field(default=None, max_length=20)

    @model_validator(mode="after")
    def _has_content(self) -> MessagePart:
        if self.url is None and self.data is None:
            raise ValueError("a message part needs `url` or `data`")
        return self


class UnicodeConversion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    convertUnicodeToGsm: bool = False
    customReplacements: list[dict[str, Annotated[str, StringConstraints(max_length=100)]]] = Field(
        default_factory=list, max_length=200)


class SmsOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: str | None = Field(default=None, alias="from", min_length=2, max_length=15)
    allowUnicode: bool | None = None
    unicodeConversion: UnicodeConversion | None = None


class EmailOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    htmlBody: str | None = Field(default=None, max_length=1_000_000)
    fromName: str | None = Field(default=None, max_length=200)


class ChannelOptions(BaseModel):
    """Per-channel switches; channels without a typed entry accept any object."""

    model_config = ConfigDict(extra="allow")
    sms: SmsOptions | None = None
    mms: SmsOptions | None = None
    email: EmailOptions | None = None
    nativePush: NativePushOptions | None = None

    @model_validator(mode="after")
    def _objects_only(self) -> ChannelOptions:
        for key, value in (self.model_extra or {}).items():
            if not isinstance(value, dict):
                raise ValueError(f"channelOptions.{key} must be an object")
        return self


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: To
    rules: list[ChannelName] = Field(min_length=1, max_length=20, description="Channels in priority order")
    body: str | None = Field(default=None, max_length=100_000)
    title: str | None = Field(default=None, max_length=1000)
    customBody: dict[str, Any] | None = None
    channelOptions: ChannelOptions | None = None
    messageParts: list[MessagePart] | None = Field(default=None, max_length=20)
    metadata: dict[str, Any] | None = None
    conversationId: str | None = Field(default=None, max_length=255)
    expiresOn: datetime | None = None
    requireOptIn: bool = False
    templateId: str | None = Field(default=None, max_length=100, pattern=r"^[A-Za-z0-9_-]{1,100}$",
                                   description="Send a stored template instead of body/messageParts")
    templateData: dict[str, Any] | None = Field(default=None, description="Values for the template's `data.*`")
    shortenLinks: Literal["on", "marked", "off"] | None = Field(
        default=None, description="SMS/MMS links: `on` shortens every http(s) URL, `marked` only those "
                                  "written with a leading '@', `off` (default) none")

    @field_validator("rules")
    @classmethod
    def _rules(cls, rules: list[str]) -> list[str]:
        import re

        for rule in rules:
            if not re.match(CHANNEL_ID_PATTERN, rule):
                raise ValueError(f"{rule!r} is not a channel id")
        if len(set(rules)) != len(rules):
            raise ValueError("a channel appears twice")
        return rules

    @model_validator(mode="after")
    def _content(self) -> MessageIn:
        if self.body is not None and self.messageParts:
            raise ValueError("use either `body` or `messageParts`, not both")
        if self.templateId is not None and (self.body is not None or self.messageParts):
            raise ValueError("use either `templateId` or `body`/`messageParts`, not both")
        if self.templateData is not None and self.templateId is None:
            raise ValueError("`templateData` needs a `templateId`")
        if self.body is None and not self.messageParts and not self.customBody and self.templateId is None:
            raise ValueError("the message has no content: give `body`, `messageParts`, `customBody` or `templateId`")
        if self.customBody and self.channelOptions:
            both = set(self.customBody) & set(self.channelOptions.model_dump(exclude_none=True))
            if both:
                raise ValueError(f"channel {sorted(both)[0]} has both customBody and channelOptions")
        return self


class MessageOut(BaseModel):
    """A message as stored: the request echoed plus server fields."""

    model_config = ConfigDict(extra="allow")
    messageId: str
    status: str
    statusDetails: dict[str, Any]
    sentOn: str
    to: dict[str, Any]
    rules: list[str]
    statusHistory: list[dict[str, Any]]


class BatchItemOut(BaseModel):
    index: int
    messageId: str


class RedactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    redact: bool
    redactSource: Literal["message", "chat"] = "message"


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: ChannelIdStr
    channelStatus: dict[str, Any] | None = None
    timestamp: datetime | None = None
    failureReason: str | None = Field(default=None, max_length=1000)


class InboundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: ChannelIdStr
    from_: dict[str, Any] = Field(alias="from")
    to: dict[str, Any] | None = None
    title: str | None = Field(default=None, max_length=1000)
    body: str | None = Field(default=None, max_length=100_000)
    conversationId: str | None = Field(default=None, max_length=255)
    metadata: dict[str, Any] | None = None
    channelData: dict[str, Any] | None = None
    messageParts: list[MessagePart] | None = Field(default=None, max_length=20)
    correlation: dict[str, Any] | None = None

    @field_validator("from_")
    @classmethod
    def _from(cls, value: dict[str, Any]) -> dict[str, Any]:
        if not value or not all(isinstance(v, str) and 0 < len(v) <= 320 for v in value.values()):
            raise ValueError("`from` needs at least one address, e.g. {\"phoneNumber\": \"447...\"}")
        return value


class InboundStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    timestamp: datetime
    channelStatus: dict[str, Any] | None = None


class InboundOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    messageId: str
    receivedOn: str
    status: str


class HistoryItem(BaseModel):
    messageId: str
    submittedOn: str
    profileId: str | None
    channelId: str | None
    direction: str
    status: str
    message: dict[str, Any]
