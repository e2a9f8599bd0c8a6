"""`onecast serve` end to end with e-mail: the API accepts a message for an email_smtp channel,
the worker hands it to a real SMTP server, and the same process listens for inbound mail."""
import smtplib

import httpx

from tests.inbound_email.conftest import mail
from tests.peers.smtp_server import SmtpPeer
from tests.support.processes import STARTUP_SECONDS, bootstrapped_space, free_port, start_onecast, wait_until


def test_serve_sends_email_and_receives_mail(tmp_path):
    peer = SmtpPeer().start()
    smtp_port = free_port()
    serve = start_onecast("serve", f"sqlite:///{tmp_path}/serve.db", log_dir=tmp_path, env={
        "COLUMNS": "400", "ONECAST_INBOUND_SMTP_ENABLED": "true", "ONECAST_INBOUND_SMTP_PORT": str(smtp_port),
        "ONECAST_INBOUND_SMTP_HOSTNAME": "mx.onecast.test"})
    try:
        space, key = bootstrapped_space(serve)
        api = httpx.Client(base_url=f"{serve.base}/apispaces/{space}", headers={"Authorization": f"Bearer {key}"},
                           timeout=10)
        r = api.post("/channels", json={"id": "email", "type": "email", "provider": "email_smtp", "config": {
            "host": peer.host, "port": peer.port, "security": "none", "fromAddress": "hello@serve.test",
            "inboundAddresses": ["support@serve.test"]}})
        assert r.status_code == 201, r.text
        r = api.post("/messages", json={"to": {"profileId": "zoe", "email": "zoe@example.com"}, "title": "Welcome",
                                        "body": "Hi Zoe", "rules": ["email"]})
        assert r.status_code == 201, r.text
        mid = r.json()["messageId"]
        wait_until(lambda: api.get(f"/messages/{mid}").json()["status"] == "sent", "the message to be sent")
        (received,) = peer.received
        assert received.message["Subject"] == "Welcome" and received.message["Message-ID"] == f"<{mid}@serve.test>"

        # the worker process also listens for mail: Zoe's reply lands on her profile
        def reply() -> None:
            wait_until(lambda: _smtp_up(smtp_port), "the inbound SMTP listener", timeout=STARTUP_SECONDS)
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
                client.send_message(mail("zoe@example.com", "support@serve.test", "Re: Welcome", text="Thanks",
                                         In_Reply_To=f"<{mid}@serve.test>"))
        reply()
        history = api.get("/profiles/zoe/messages").json()
        assert [(h["direction"], h["message"]["body"].strip()) for h in history] == \
            [("inbound", "Thanks"), ("outbound", "Hi Zoe")]
    finally:
        serve.stop()
        peer.stop()


def _smtp_up(port: int) -> bool:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=2) as client:
            return client.noop()[0] == 250
    except OSError:
        return False
