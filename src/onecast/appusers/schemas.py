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
    sharedSecret: Annotated[str, StringConstraints(min_length=1, max_length=1000)] | None = None  # noqa: N815
    idClaim: Annotated[str, StringConstraints(min_length=1, max_length=100)] = "sub"  # noqa: N815


class AuthConfigOut(BaseModel):
    issuer: str | None
    audience: str | None
    sharedSecret: str | None  # noqa: N815
    idClaim: str  # noqa: N815


class ChallengeOut(BaseModel):
    authenticationId: str  # noqa: N815
    provider: Literal["jsonWebToken"]
    nonce: str
    expiresOn: str  # noqa: N815


class PushIn(BaseModel):
    """The device's push registration; it is registered on the user's profile (see devices)."""
    fcm: FcmRegistration | None = None
    apns: ApnsRegistration | None = None


class SessionIn(BaseModel):
    authenticationId: Annotated[str, StringConstraints(min_length=1, max_length=64)]  # noqa: N815
    authenticationToken: Annotated[str, StringConstraints(min_length=1, max_length=8192)]  # noqa: N815
    deviceId: ShortText | None = None  # noqa: N815
    platform: ShortText | None = None
    platformVersion: ShortText | None = None  # noqa: N815
    sdkType: ShortText | None = None  # noqa: N815
    sdkVersion: ShortText | None = None  # noqa: N815
    push: PushIn | None = None


class SessionOut(BaseModel):
    id: str
    profileId: str  # noqa: N815
    deviceId: str | None  # noqa: N815
    platform: str | None
    platformVersion: str | None  # noqa: N815
    sdkType: str | None  # noqa: N815
    sdkVersion: str | None  # noqa: N815
    sourceIp: str | None  # noqa: N815
    isActive: bool  # noqa: N815
    createdOn: str  # noqa: N815
    startedOn: str  # noqa: N815
    expiresOn: str  # noqa: N815
    nonce: str | None
    provider: str
    state: str


class SessionStarted(BaseModel):
    token: str = Field(description="The session token: `Authorization: Bearer <token>`, or `?token=` on the socket")
    session: SessionOut


class TokenOut(BaseModel):
    token: str
