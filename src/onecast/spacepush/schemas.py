from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Environment = Literal["production", "development"]
APP_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$"


class FcmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    serviceAccount: dict[str, Any] | Annotated[str, StringConstraints(max_length=20_000)] = Field(
        description="The service-account JSON from the Firebase / Google Cloud console (object or string)")
    projectId: str | None = Field(default=None, max_length=200, pattern=r"^[a-z0-9-]+$",
                                  description="Default: the service account's project_id")


class FcmOut(BaseModel):
    package: str
    projectId: str | None
    clientEmail: str | None
    privateKeyId: str | None
    updatedOn: str | None


class ApnsTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    keyId: str = Field(max_length=10, pattern=r"^[A-Z0-9]{10}$", description="The key's id (10 characters)")
    teamId: str = Field(max_length=10, pattern=r"^[A-Z0-9]{10}$",
                        description="The Apple developer team id (10 characters)")
    privateKey: str = Field(max_length=10_000, description="The .p8 file's content (PEM)")


class ApnsTokenOut(BaseModel):
    keyId: str
    teamId: str
    fingerprintSha256: str = Field(description="SHA-256 of the public key (DER SubjectPublicKeyInfo), hex")
    updatedOn: str | None


class ApnsKeyOut(BaseModel):
    keyId: str
    teamId: str
    publicKey: str = Field(description="The public half of the key (PEM); the private key is never returned")
    fingerprintSha256: str


class ApnsCertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    environment: Environment
    bundleId: str | None = Field(default=None, max_length=255, pattern=APP_ID,
                                 description="Default: the certificate subject's UID (Apple puts the bundle id there)")
    certificate: str | None = Field(default=None, max_length=100_000,
                                    description="PEM certificate (chain), with its private key in it or in privateKey")
    privateKey: str | None = Field(default=None, max_length=20_000, description="PEM private key of the certificate")
    p12: str | None = Field(default=None, max_length=100_000,
                            description="Instead of certificate: the .p12 export, base64")
    password: str | None = Field(default=None, max_length=500, description="The .p12 password")


class ApnsCertOut(BaseModel):
    bundleId: str
    environment: str
    subject: str
    issuer: str
    serialNumber: str
    notBefore: str
    expiresOn: str = Field(description="The certificate's notAfter")
    fingerprintSha256: str = Field(description="SHA-256 of the certificate (DER), hex")
    updatedOn: str | None


class ApnsCertPublicOut(ApnsCertOut):
    certificate: str = Field(description="The certificate chain (PEM); the private key is never returned")


class ApnsOut(BaseModel):
    token: ApnsTokenOut | None
    certificates: list[ApnsCertOut]


class PushConfigOut(BaseModel):
    apiSpaceId: str
    fcm: list[FcmOut]
    apns: ApnsOut
