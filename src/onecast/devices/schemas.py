"""Push registrations in the shape the Comapi SDKs send at session start
(`push = {fcm: {package, registrationId}} | {apns: {bundleId, environment, token}}`), plus Web Push
subscriptions as browsers produce them (`PushSubscription.toJSON()`)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from onecast.kit.text import text_problem
from onecast.profiles.schemas import ProfileIdStr


def _storable(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


Text = Annotated[str, AfterValidator(_storable)]


class FcmRegistration(BaseModel):
    model_config = ConfigDict(extra="forbid")
    package: Text = Field(min_length=1, max_length=255, description="The Android application id")
    registrationId: Text = Field(min_length=1, max_length=4096, description="The FCM registration token")


class ApnsRegistration(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bundleId: Text = Field(min_length=1, max_length=255, description="The app's bundle id (the apns-topic)")
    environment: Literal["development", "production"] = "production"
    token: str = Field(max_length=200, pattern=r"^[0-9a-fA-F]{16,200}$", description="The APNs device token, hex")


class WebPushKeys(BaseModel):
    model_config = ConfigDict(extra="forbid")
    p256dh: str = Field(max_length=102, pattern=r"^[A-Za-z0-9_-]{80,100}={0,2}$",
                        description="The subscription's P-256 public key, base64url (65 bytes)")
    auth: str = Field(max_length=26, pattern=r"^[A-Za-z0-9_-]{16,24}={0,2}$",
                      description="The subscription's authentication secret, base64url (16 bytes)")


class WebPushRegistration(BaseModel):
    model_config = ConfigDict(extra="ignore")
    endpoint: Text = Field(max_length=2048, pattern=r"^https?://[^\s]+$", description="The push service URL")
    keys: WebPushKeys


class PushRegistration(BaseModel):
    """Exactly one of `fcm`, `apns`, `webPush`."""

    model_config = ConfigDict(extra="forbid")
    fcm: FcmRegistration | None = None
    apns: ApnsRegistration | None = None
    webPush: WebPushRegistration | None = None

    @model_validator(mode="after")
    def _one(self) -> PushRegistration:
        given = [name for name in ("fcm", "apns", "webPush") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of fcm, apns, webPush")
        return self


class DeviceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    push: PushRegistration
    platform: Text | None = Field(default=None, max_length=40, description="javascript, android or iOS")
    platformVersion: Text | None = Field(default=None, max_length=100)
    sdkType: Text | None = Field(default=None, max_length=40)
    sdkVersion: Text | None = Field(default=None, max_length=100)


class DeviceOut(BaseModel):
    id: str
    profileId: str
    push: dict
    platform: str | None = None
    platformVersion: str | None = None
    sdkType: str | None = None
    sdkVersion: str | None = None
    createdOn: str = Field(alias="_createdOn")
    updatedOn: str = Field(alias="_updatedOn")
    model_config = ConfigDict(populate_by_name=True)


class ValidationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[Annotated[ProfileIdStr, AfterValidator(_storable)]] = Field(min_length=1, max_length=1000, description="Profile ids")


class ValidationOut(BaseModel):
    id: str
    pushDevicesCount: int
    fcm: list[str]
    apns: list[str]
    webPush: list[str]
