"""Message rules (One API OAS-rules): keyword rules and opt-out keyword rules on inbound messages."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from onecast.channels.schemas import ChannelIdStr
from onecast.messages.schemas import MessagePart

LOCALE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"


class ProfileChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    propertyName: str = Field(min_length=1, max_length=255, pattern=r"^[^_$.][^.]*$")
    propertyValue: Annotated[str, StringConstraints(max_length=4096)] | int | float | bool | None = None


class ActionData(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chatTeamId: str | None = Field(default=None, max_length=255)
    messageParts: list[MessagePart] | None = Field(default=None, max_length=20)
    profileUpdate: list[ProfileChange] | None = Field(default=None, max_length=100)


class _RuleBase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(default=None, max_length=64, description="Ignored on input; the id is in the path")
    channel: ChannelIdStr = Field(description="sms, fbMessenger, appMessaging, email, whatsApp, "
                                              "rcs or a configured channel id")
    inbound: str = Field(default="*", min_length=1, max_length=320,
                         description="The number / address the message was sent to, or '*' for any")
    keyword: str = Field(min_length=1, max_length=2000, description="Comma-separated keywords ('*' matches any)")

    @model_validator(mode="after")
    def _keywords(self) -> _RuleBase:
        words = [w.strip() for w in self.keyword.split(",")]
        if not all(words) or any(len(w) > 200 for w in words):
            raise ValueError("keyword is a comma-separated list of non-empty keywords of at most 200 characters")
        return self


class InboundRuleIn(_RuleBase):
    action: Literal["startChat", "replyMessage", "profileUpdate"]
    actionData: ActionData = Field(default_factory=ActionData)

    @model_validator(mode="after")
    def _data(self) -> InboundRuleIn:
        if self.action == "replyMessage" and not self.actionData.messageParts:
            raise ValueError("a replyMessage rule needs actionData.messageParts")
        if self.action == "profileUpdate" and not self.actionData.profileUpdate:
            raise ValueError("a profileUpdate rule needs actionData.profileUpdate")
        return self


class OptOutData(BaseModel):
    model_config = ConfigDict(extra="forbid")
    opt: Literal["out", "in", "help"] = Field(description="out: opt out (STOP), in: opt back in (START), "
                                                          "help: only reply (HELP)")
    messageParts: list[MessagePart] | None = Field(default=None, max_length=20,
                                                   description="An optional confirmation / help reply")


class OptOutRuleIn(_RuleBase):
    action: Literal["optOutChange"] = "optOutChange"
    actionData: OptOutData
    locale: str | None = Field(default=None, max_length=35, pattern=LOCALE_PATTERN,
                               description="Language of the keywords, e.g. en, fr; matched against the "
                                           "profile's `locale` when it has one")

    @model_validator(mode="after")
    def _help_replies(self) -> OptOutRuleIn:
        if self.actionData.opt == "help" and not self.actionData.messageParts:
            raise ValueError("a help rule needs actionData.messageParts (the help text)")
        return self


class RuleOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    channel: str
    inbound: str
    keyword: str
    action: str
    actionData: dict[str, Any]


class OptInChangeOut(BaseModel):
    id: int
    profileId: str | None
    address: str
    channels: list[str]
    optedIn: bool
    keyword: str
    ruleId: str | None
    messageId: str
    createdOn: str


class OptInChangePage(BaseModel):
    items: list[OptInChangeOut]
    cursor: str | None
