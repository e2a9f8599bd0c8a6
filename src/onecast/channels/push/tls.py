"""TLS for the push clients: an optional CA bundle to trust instead of the public roots (a push
proxy, a test peer) and an optional client certificate (APNs certificate authentication)."""
from __future__ import annotations

import os
import ssl
import tempfile
from typing import Any

import certifi


def _load_client_cert(context: ssl.SSLContext, certificate: str, private_key: str) -> None:
    """OpenSSL reads client certificates from files only: they exist, readable by this user
    alone, for the duration of the call."""
    with tempfile.TemporaryDirectory(prefix="onecast-tls-") as directory:
        paths = []
        for name, pem in (("cert.pem", certificate), ("key.pem", private_key)):
            path = os.path.join(directory, name)
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
                handle.write(pem)
            paths.append(path)
        context.load_cert_chain(paths[0], paths[1])


def verify_for(config: dict[str, Any], client_cert: tuple[str, str] | None = None) -> ssl.SSLContext | bool:
    """What httpx's `verify` gets: True (the default roots) unless a CA (file or PEM) or client cert is set."""
    ca_file, ca_pem = config.get("caFile"), config.get("caCertificate")
    if not ca_file and not ca_pem and client_cert is None:
        return True
    # caCertificate (PEM text) comes through the API; caFile only from the operator's ONECAST_PUSH_CA_FILE.
    context = ssl.create_default_context(cafile=ca_file or (None if ca_pem else certifi.where()), cadata=ca_pem)
    if client_cert is not None:
        _load_client_cert(context, *client_cert)
    return context
