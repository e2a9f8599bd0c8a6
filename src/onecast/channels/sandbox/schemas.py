from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from onecast.channels.schemas import ChannelIdStr

FailRule = Annotated[str, StringConstraints(max_length=20)]


class SandboxSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    receipt: Literal["none", "delivered", "read"] = Field(
        default="delivered", description="The receipt the simulated recipient sends after each send")
    autoReply: str | None = Field(default=None, max_length=2000,
                                  description="When set, every recipient answers with this text")
    failChannels: dict[str, FailRule] = Field(default_factory=dict,
                                              description="channel id -> permanent | transient | transient:N")
    failAddresses: dict[str, FailRule] = Field(default_factory=dict,
                                               description="address -> permanent | transient | transient:N")

    latencyMs: int = Field(default=0, ge=0, le=10_000, description="Simulated provider latency per send")

    @field_validator("failChannels", "failAddresses")
    @classmethod
    def _rules(cls, value: dict[str, str]) -> dict[str, str]:
        import re

        for key, rule in value.items():
            if not re.fullmatch(r"permanent|transient(:\d{1,3})?", rule):
                raise ValueError(f"{key}: {rule!r} is not permanent, transient or transient:N")
        return value


class SandboxDeliveryOut(BaseModel):
    id: int
    messageId: str
    channel: str
    address: str
    payload: dict[str, Any]
    createdOn: str


class SandboxReceiptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["delivered", "read", "failed", "expired"]
    reason: str | None = Field(default=None, max_length=500)


class SandboxInboundIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    channel: ChannelIdStr = Field(description="e.g. sms")
    from_: str = Field(alias="from", min_length=1, max_length=320, description="The simulated sender's address")
    body: str = Field(min_length=1, max_length=100_000)
    title: str | None = Field(default=None, max_length=1000)
    conversationId: str | None = Field(default=None, max_length=255)
