from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

CHANNEL_ID_PATTERN = r"^[A-Za-z0-9_-]{1,100}$"


class ChannelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=CHANNEL_ID_PATTERN, description="The id `rules` name, e.g. `sms` or `custom_email`")
    type: str = Field(max_length=40, description="sms, mms, email, whatsApp, fbMessenger, telegram, "
                                                 "nativePush, appMessaging, rcs or custom")
    provider: str = Field(max_length=40, description="The implementation, e.g. `sandbox`")
    name: str = Field(default="", max_length=200)
    config: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True


class ChannelUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = Field(max_length=40)
    provider: str = Field(max_length=40)
    name: str = Field(default="", max_length=200)
    config: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True


class ChannelOut(BaseModel):
    id: str
    type: str
    provider: str
    name: str
    config: dict[str, Any]
    enabled: bool
    sandbox: bool
    implicit: bool = False
