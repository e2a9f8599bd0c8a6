"""A push section's `caCertificate` (PEM text) is the CA the vendor connection trusts, alone."""
import ssl

from onecast.channels.push.tls import verify_for
from tests.peers.tls import self_signed


def test_ca_certificate_is_the_only_trusted_root(tmp_path):
    ca = self_signed(tmp_path, "push-proxy.test")
    context = verify_for({"caCertificate": ca.cert_pem})
    assert isinstance(context, ssl.SSLContext)
    subjects = [dict(rdn[0] for rdn in cert["subject"]) for cert in context.get_ca_certs()]
    assert subjects == [{"commonName": "push-proxy.test"}]
    assert verify_for({}) is True  # no CA given: the public roots
