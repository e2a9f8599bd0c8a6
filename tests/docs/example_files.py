"""The files the documented examples read from the reader's folder (`@people.csv`,
`service-account.json`, `AuthKey_ABC123DEFG.p8`, `push.p12`), made with real keys."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

P12_PASSWORD = b"..."  # the password the example sends
BUNDLE_ID = "com.example.app"


def _pkcs8(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _apns_p12() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.USER_ID, BUNDLE_ID),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Apple Push Services: {BUNDLE_ID}"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        b"push", key, cert, None, serialization.BestAvailableEncryption(P12_PASSWORD)
    )


def write_example_files(folder: Path) -> None:
    (folder / "people.csv").write_text("id,name,email\nann,Ann,ann@example.com\nbob,Bob,bob@example.com\n")
    account_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (folder / "service-account.json").write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "example-project",
                "private_key_id": "k1",
                "private_key": _pkcs8(account_key),
                "client_email": "push@example-project.iam.gserviceaccount.com",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    (folder / "AuthKey_ABC123DEFG.p8").write_text(_pkcs8(ec.generate_private_key(ec.SECP256R1())))
    (folder / "push.p12").write_bytes(_apns_p12())
