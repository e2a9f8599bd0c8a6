"""Checking uploaded push credentials and deriving their public metadata: a service account
must hold a usable RSA key, an APNs token key must be a P-256 (.p8) key, a certificate must
come with the private key that matches it. Nothing is stored unless it parses."""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from onecast.channels.push_fcm.oauth import load_service_account
from onecast.kit.clock import as_utc, iso
from onecast.kit.errors import invalid
from onecast.spacepush.schemas import APP_ID

PEM = serialization.Encoding.PEM
PKCS8 = serialization.PrivateFormat.PKCS8
SPKI = serialization.PublicFormat.SubjectPublicKeyInfo


def _pkcs8(key: Any) -> str:
    return key.private_bytes(PEM, PKCS8, serialization.NoEncryption()).decode()


def _private_key(pem: str, field: str) -> Any:
    try:
        return serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError, UnicodeError, UnsupportedAlgorithm):
        raise invalid(field, "not a PEM private key (unencrypted PKCS#8 or traditional)", "InvalidKey") from None


def fingerprint(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def public_key_view(key: Any) -> dict[str, str]:
    public = key.public_key()
    return {"publicKey": public.public_bytes(PEM, SPKI).decode(),
            "fingerprintSha256": fingerprint(public.public_bytes(serialization.Encoding.DER, SPKI))}


def service_account(raw: Any, project_id: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(secret, info) of a Google service-account JSON."""
    try:
        account = load_service_account(raw)
    except ValueError as exc:
        raise invalid("serviceAccount", str(exc), "InvalidServiceAccount") from None
    if account.get("type", "service_account") != "service_account":
        raise invalid("serviceAccount", "type must be service_account", "InvalidServiceAccount")
    if not isinstance(account["private_key"], str) or not isinstance(account["client_email"], str):
        raise invalid("serviceAccount", "private_key and client_email must be strings", "InvalidServiceAccount")
    key = _private_key(account["private_key"], "serviceAccount.private_key")
    if not isinstance(key, rsa.RSAPrivateKey):
        raise invalid("serviceAccount.private_key", "a service account key is an RSA key", "InvalidKey")
    project = project_id or account.get("project_id")
    if not project or not isinstance(project, str):
        raise invalid("projectId", "give projectId, or a service account with project_id", "InvalidServiceAccount")
    token_uri = account.get("token_uri")
    if token_uri is not None and (not isinstance(token_uri, str) or not token_uri.startswith(("https://", "http://"))):
        raise invalid("serviceAccount.token_uri", "must be an http(s) URL", "InvalidServiceAccount")
    info = {"projectId": project, "clientEmail": account["client_email"],
            "privateKeyId": account.get("private_key_id") if isinstance(account.get("private_key_id"), str) else None}
    return {"serviceAccount": account, "projectId": project}, info


def apns_token_key(key_id: str, team_id: str, private_key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    key = _private_key(private_key, "privateKey")
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise invalid("privateKey", "an APNs auth key (.p8) is a P-256 EC key", "InvalidKey")
    return ({"teamId": team_id, "keyId": key_id, "privateKey": _pkcs8(key)},
            {"keyId": key_id, "teamId": team_id, **public_key_view(key)})


def _certificates_from_pem(pem: str) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(pem.encode())
    except (ValueError, UnicodeError):
        return []


def _from_p12(p12: str, password: str | None) -> tuple[Any, list[x509.Certificate]]:
    try:
        data = base64.b64decode(p12, validate=True)
        key, cert, extra = pkcs12.load_key_and_certificates(data, password.encode() if password else None)
    except (ValueError, TypeError, binascii.Error, UnsupportedAlgorithm):
        raise invalid("p12", "not a base64 PKCS#12 (.p12) file, or the password is wrong", "InvalidCertificate") from None
    if key is None or cert is None:
        raise invalid("p12", "the .p12 must hold the certificate and its private key", "InvalidCertificate")
    return key, [cert, *extra]


def _uid(cert: x509.Certificate) -> str | None:
    """Apple's push certificates name their bundle id in the subject's UID."""
    values = cert.subject.get_attributes_for_oid(NameOID.USER_ID)
    return str(values[0].value) if values else None


def apns_certificate(body: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(bundle id, secret, info) from `certificate` (PEM, with the key inside or in `privateKey`)
    or `p12` (base64) + `password`."""
    if body.get("p12"):
        key, chain = _from_p12(body["p12"], body.get("password"))
    elif body.get("certificate"):
        chain = _certificates_from_pem(body["certificate"])
        if not chain:
            raise invalid("certificate", "no PEM certificate found", "InvalidCertificate")
        key_pem = body.get("privateKey") or body["certificate"]
        if "PRIVATE KEY-----" not in key_pem:
            raise invalid("privateKey", "the certificate's private key is required (PEM)", "InvalidKey")
        key = _private_key(key_pem, "privateKey")
    else:
        raise invalid("certificate", "give certificate (PEM) or p12 (base64)", "InvalidCertificate")
    cert = chain[0]
    try:  # certificate fields are parsed when first read
        matches = (key.public_key().public_bytes(serialization.Encoding.DER, SPKI)
                   == cert.public_key().public_bytes(serialization.Encoding.DER, SPKI))
        uid = _uid(cert)
        info = {"subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(),
                "serialNumber": format(cert.serial_number, "x"),
                "notBefore": iso(as_utc(cert.not_valid_before_utc)),
                "expiresOn": iso(as_utc(cert.not_valid_after_utc)),
                "fingerprintSha256": fingerprint(cert.public_bytes(serialization.Encoding.DER))}
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise invalid("certificate", f"the certificate does not parse: {exc}", "InvalidCertificate") from None
    if not matches:
        raise invalid("privateKey", "the private key does not belong to the certificate", "InvalidKey")
    bundle_id = body.get("bundleId") or uid
    if not bundle_id:
        raise invalid("bundleId", "required when the certificate's subject has no UID", "ValidationFailed")
    if not re.fullmatch(APP_ID, bundle_id):
        raise invalid("bundleId", f"the certificate's UID {bundle_id[:80]!r} is not a bundle id; give bundleId")
    chain_pem = "".join(c.public_bytes(PEM).decode() for c in chain)
    return bundle_id, {"certificate": chain_pem, "privateKey": _pkcs8(key)}, info
