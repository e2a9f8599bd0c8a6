from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from onecast.kit.ids import new_id

CHANNEL_ID_PATTERN = r"^[A-Za-z0-9_-]{1,100}$"
ChannelIdStr = Annotated[str, StringConstraints(max_length=100, pattern=CHANNEL_ID_PATTERN)]


def _common_config(config: dict[str, Any]) -> dict[str, Any]:
    """Keys every provider honours; the provider checks its own."""
    rate = config.get("ratePerSecond")
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate <= 100_000):
        raise ValueError("config.ratePerSecond must be a number above 0 and at most 100000")
    return config


ChannelConfig = Annotated[dict[str, Any], AfterValidator(_common_config),
                          Field(default_factory=dict, description="Provider settings; `ratePerSecond` "
                                "caps sends on this channel (any provider)")]


class ChannelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: ChannelIdStr = Field(default_factory=new_id,
                             description="The id `rules` name, e.g. `sms` or `custom_email`; a uuid when absent")
    type: str = Field(max_length=40, description="sms, mms, email, whatsApp, fbMessenger, telegram, "
                                                 "nativePush, appMessaging, rcs or custom")
    provider: str = Field(max_length=40, description="The implementation, e.g. `sandbox`")
    name: str = Field(default="", max_length=200)
    config: ChannelConfig
    enabled: bool = True


class ChannelUpdate(BaseModel):
    """The POST body; `id` may be sent back as read, and must then be the path's."""
    model_config = ConfigDict(extra="forbid")
    id: ChannelIdStr | None = Field(default=None, description="Optional; when given, the id in the path")
    type: str = Field(max_length=40)
    provider: str = Field(max_length=40)
    name: str = Field(default="", max_length=200)
    config: ChannelConfig
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
