"""App-user auth shapes (One API §6.3)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from onecast.devices.schemas import ApnsRegistration, FcmRegistration

ShortText = Annotated[str, StringConstraints(max_length=255)]


class AuthConfigIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    issuer: Annotated[str, StringConstraints(max_length=500)] | None = None
    audience: Annotated[str, StringConstraints(max_length=500)] | None = None
    sharedSecret: Annotated[str, StringConstraints(min_length=1, max_length=1000)] | None = None
    idClaim: Annotated[str, StringConstraints(min_length=1, max_length=100)] = "sub"


class AuthConfigOut(BaseModel):
    issuer: str | None
    audience: str | None
    sharedSecret: str | None
    idClaim: str


class ChallengeOut(BaseModel):
    authenticationId: str
    provider: Literal["jsonWebToken"]
    nonce: str
    expiresOn: str


class PushIn(BaseModel):
    """The device's push registration; it is registered on the user's profile (see devices)."""
    fcm: FcmRegistration | None = None
    apns: ApnsRegistration | None = None


class SessionIn(BaseModel):
    authenticationId: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    authenticationToken: Annotated[str, StringConstraints(min_length=1, max_length=8192)]
    deviceId: ShortText | None = None
    platform: ShortText | None = None
    platformVersion: ShortText | None = None
    sdkType: ShortText | None = None
    sdkVersion: ShortText | None = None
    push: PushIn | None = None


class SessionOut(BaseModel):
    id: str
    profileId: str
    deviceId: str | None
    platform: str | None
    platformVersion: str | None
    sdkType: str | None
    sdkVersion: str | None
    sourceIp: str | None
    isActive: bool
    createdOn: str
    startedOn: str
    expiresOn: str
    nonce: str | None
    provider: str
    state: str


class SessionStarted(BaseModel):
    token: str = Field(description="The session token: `Authorization: Bearer <token>`, or `?token=` on the socket")
    session: SessionOut


class TokenOut(BaseModel):
    token: str
