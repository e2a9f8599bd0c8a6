"""Key material the tests generate: a Google service account, an APNs .p8 key, a VAPID key
pair and a browser's push subscription."""
from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _pkcs8(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _spki(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _point(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


@dataclass
class RsaKey:
    private_pem: str
    public_pem: bytes

    @classmethod
    def generate(cls) -> RsaKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(_pkcs8(key), _spki(key))


@dataclass
class EcKey:
    private: ec.EllipticCurvePrivateKey
    private_pem: str
    public_pem: bytes
    public_b64: str  # uncompressed point, base64url (VAPID / p256dh form)
    private_b64: str  # raw 32-byte scalar, base64url (VAPID private key form)

    @classmethod
    def generate(cls) -> EcKey:
        key = ec.generate_private_key(ec.SECP256R1())
        raw = key.private_numbers().private_value.to_bytes(32, "big")
        return cls(key, _pkcs8(key), _spki(key), b64url(_point(key)), b64url(raw))


@dataclass
class BrowserSubscription:
    """What `PushManager.subscribe()` gives a page: an endpoint and the user agent's keys."""

    endpoint: str
    key: EcKey
    auth: bytes

    @classmethod
    def create(cls, endpoint: str) -> BrowserSubscription:
        return cls(endpoint, EcKey.generate(), os.urandom(16))

    def json(self) -> dict:
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": self.key.public_b64, "auth": b64url(self.auth)}}

    def decrypt(self, body: bytes) -> bytes:
        import http_ece

        return http_ece.decrypt(body, private_key=self.key.private, auth_secret=self.auth, version="aes128gcm")
