"""Template shapes: the One API `templateCreate`/`templateUpdate`/`templateFull` (reference §1.7,
OAS-tpl) plus per-channel bodies and WhatsApp/HSM fields (seed 003 `HSMTemplateDoc`)."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from onecast.channels.schemas import CHANNEL_ID_PATTERN, ChannelIdStr
from onecast.messages.schemas import MessagePart

TEMPLATE_ID_PATTERN = r"^[A-Za-z0-9_-]{1,100}$"
ApprovalStatus = Literal["pending", "approved", "rejected", "paused", "disabled"]
MissingVariables = Literal["empty", "reject"]


class ChannelBody(BaseModel):
    """What one channel sends instead of the template's messageParts; every text is Liquid."""

    model_config = ConfigDict(extra="forbid")
    body: str | None = Field(default=None, max_length=100_000)
    title: str | None = Field(default=None, max_length=1000)
    htmlBody: str | None = Field(default=None, max_length=1_000_000)
    params: list[Annotated[str, StringConstraints(max_length=1000)]] | None = Field(
        default=None, max_length=20, description="WhatsApp template parameters in order ({{1}}, {{2}}, ...)")


class Approval(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channelId: ChannelIdStr = Field(description="The channel id (as in `rules`) or type")
    status: ApprovalStatus
    templateId: str | None = Field(default=None, max_length=255, description="The provider's id of the template")
    reason: str | None = Field(default=None, max_length=1000)


class _TemplateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    messageParts: list[MessagePart] = Field(default_factory=list, max_length=20)
    title: str | None = Field(default=None, max_length=1000)
    channels: dict[str, ChannelBody] | None = Field(
        default=None, description="Per-channel bodies keyed by channel id or type, e.g. {\"sms\": {\"body\": ...}}")
    code: str | None = Field(default=None, max_length=512, description="WhatsApp/HSM: the provider's template name")
    lang: str | None = Field(default=None, max_length=20, description="WhatsApp/HSM language, e.g. en_US")
    category: str | None = Field(default=None, max_length=40, description="WhatsApp/HSM category")
    approved: list[Approval] | None = Field(default=None, max_length=50,
                                            description="Approval status per channel (WhatsApp/HSM)")
    missingVariables: MissingVariables = Field(
        default="empty", description="`empty`: a variable without a value renders as nothing (One API); "
                                     "`reject`: the send is refused unless the variable has a value or a default")

    @model_validator(mode="after")
    def _content(self):
        if not self.messageParts and not self.channels:
            raise ValueError("a template needs messageParts or channels")
        import re

        for key in self.channels or {}:
            if not re.match(CHANNEL_ID_PATTERN, key):
                raise ValueError(f"channels: {key[:100]!r} is not a channel id")
        seen = [a.channelId for a in self.approved or []]
        if len(seen) != len(set(seen)):
            raise ValueError("approved: a channel appears twice")
        return self


class TemplateIn(_TemplateBody):
    id: str | None = Field(default=None, max_length=100, pattern=TEMPLATE_ID_PATTERN,
                           description="Letters, digits, '-' and '_'; without it the name stripped of "
                                       "other characters is the id")


class TemplateUpdate(_TemplateBody):
    pass


class TemplateOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    name: str
    description: str | None = None
    messageParts: list[dict[str, Any]]
    variables: list[str]
    missingVariables: str
    approved: list[dict[str, Any]]
    createdOn: str = Field(alias="_createdOn")
    createdBy: str = Field(alias="_createdBy")
    updatedOn: str = Field(alias="_updatedOn")
    updatedBy: str = Field(alias="_updatedBy")
    deleted: bool | None = Field(default=None, alias="_deleted", description="Present when soft-deleted")
