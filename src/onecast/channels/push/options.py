"""`channelOptions.nativePush` (One API OAS `channelOptions_nativePush`): app data per platform,
`isSilent`, and deep links. `webPush` entries are Onecast's addition for browsers."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class DeepLinkTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2048, pattern=r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$",
                     description="Opened when the notification is clicked (an app link or https URL)")


class NativePushDeepLink(BaseModel):
    model_config = ConfigDict(extra="forbid")
    trackingLink: str | None = Field(default=None, max_length=2048, pattern=r"^https?://[^\s]+$",
                                     description="Called by the SDK to report a click")
    fcm: DeepLinkTarget | None = None
    apns: DeepLinkTarget | None = None
    webPush: DeepLinkTarget | None = None


class NativePushData(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fcm: dict[str, Any] | None = Field(default=None, description="Sent to Android apps (as `dd_data`)")
    apns: dict[str, Any] | None = Field(default=None, description="Sent to iOS apps (as `dd_data`)")
    webPush: dict[str, Any] | None = Field(default=None, description="Sent to browsers (as `data`)")
    isSilent: bool | None = Field(default=None, description="true: no notification is shown, the app "
                                                              "gets the data in the background")


class NativePushOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    data: NativePushData | None = None
    deepLink: NativePushDeepLink | None = None
