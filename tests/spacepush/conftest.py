"""Peers for the space push credentials: one FCM service (Google token endpoint + FCM v1) that
knows two projects with a service account each, and an APNs peer behind TLS that accepts token
auth and client certificates issued by a test CA (Apple's "WWDR" stand-in)."""
from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.conftest import deliver_space
from tests.peers.apns import ApnsPeer
from tests.peers.fcm import FcmPeer
from tests.peers.keys import EcKey, RsaKey
from tests.peers.serve import serve_asgi
from tests.peers.tls_front import tls_front

BUNDLE_TOKEN = "com.example.tokenapp"  # served by the space's APNs token key
BUNDLE_CERT = "com.example.certapp"  # served by its own certificate


def _pem(key: Any) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@dataclass
class Issued:
    cert: x509.Certificate
    key: Any

    @property
    def cert_pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def key_pem(self) -> str:
        return _pem(self.key)

    @property
    def fingerprint(self) -> str:
        return self.cert.fingerprint(hashes.SHA256()).hex()


class PushCa:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Onecast Test WWDR CA")])
        self.cert = self._build(name, self.key.public_key(), name, ca=True).sign(self.key, hashes.SHA256())

    @staticmethod
    def _build(subject: x509.Name, public_key: Any, issuer: x509.Name, *, ca: bool) -> x509.CertificateBuilder:
        now = datetime.datetime.now(datetime.UTC)
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=30))
                .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))

    def issue(self, subject: x509.Name, *, server: bool = False) -> Issued:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        builder = self._build(subject, key.public_key(), self.cert.subject, ca=False)
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        return Issued(builder.sign(self.key, hashes.SHA256()), key)

    def push_certificate(self, bundle_id: str) -> Issued:
        return self.issue(x509.Name([x509.NameAttribute(NameOID.USER_ID, bundle_id),
                                     x509.NameAttribute(NameOID.COMMON_NAME, f"Apple Push Services: {bundle_id}")]))

    def write(self, directory: Path) -> Path:
        path = directory / "ca.pem"
        path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        return path


@pytest.fixture(scope="session")
def test_ca() -> PushCa:
    return PushCa()


def service_account(key: RsaKey, email: str, project: str, token_uri: str) -> dict[str, Any]:
    return {"type": "service_account", "project_id": project, "private_key_id": secrets.token_hex(20),
            "private_key": key.private_pem, "client_email": email, "token_uri": token_uri}


@dataclass
class FcmService:
    peer: FcmPeer
    url: str
    accounts: dict[str, dict[str, Any]]  # project -> service account JSON


@pytest.fixture
async def fcm_service():
    key_a, key_b = RsaKey.generate(), RsaKey.generate()
    peer = FcmPeer(public_key_pem=key_a.public_pem, client_email="push@project-a.iam.gserviceaccount.com",
                   key_id="", project="project-a")
    async with serve_asgi(peer.app()) as url:
        peer.base_url = url
        account_a = service_account(key_a, peer.client_email, "project-a", f"{url}/token")
        peer.key_id = account_a["private_key_id"]
        account_b = service_account(key_b, "push@project-b.iam.gserviceaccount.com", "project-b", f"{url}/token")
        peer.add_account(key_b.public_pem, account_b["client_email"], account_b["private_key_id"], "project-b")
        yield FcmService(peer, url, {"project-a": account_a, "project-b": account_b})


@dataclass
class ApnsService:
    peer: ApnsPeer
    url: str
    token_key: EcKey
    ca_file: Path


@pytest.fixture
async def apns_service(test_ca, tmp_path):
    token_key = EcKey.generate()
    peer = ApnsPeer(team_id="TEAM123456", key_id="KEY1234567", public_key_pem=token_key.public_pem,
                    topics={BUNDLE_TOKEN, BUNDLE_CERT})
    server = test_ca.issue(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "api.push.apple.test")]), server=True)
    (tmp_path / "server.crt").write_text(server.cert_pem)
    (tmp_path / "server.key").write_text(server.key_pem)
    ca_file = test_ca.write(tmp_path)
    async with (serve_asgi(peer.app()) as backend,
                tls_front(backend, tmp_path / "server.crt", tmp_path / "server.key", ca_file,
                          peer.client_certs) as url):
        yield ApnsService(peer, url, token_key, ca_file)


@pytest.fixture
def deliver_push(app, settings, fcm_service, apns_service):
    """A worker whose space push credentials send to the peers (the settings an operator with a
    push proxy would give)."""
    worker_settings = dataclasses.replace(settings, push_fcm_base_url=fcm_service.url,
                                          push_apns_base_url=apns_service.url,
                                          push_ca_file=str(apns_service.ca_file))

    async def run(space) -> None:
        await deliver_space(app, worker_settings, space.space_id)

    return run
