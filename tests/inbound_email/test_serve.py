"""`onecast serve` end to end with e-mail: the API accepts a message for an email_smtp channel,
the worker hands it to a real SMTP server, and the same process listens for inbound mail."""
import os
import re
import smtplib
import subprocess
import sys
import time

import httpx

from tests.inbound_email.conftest import mail
from tests.peers.smtp_server import SmtpPeer, free_port


def wait_for(check, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def start_serve(url: str, port: int, smtp_port: int) -> tuple[subprocess.Popen, str, str]:
    env = {**os.environ, "ONECAST_DATABASE_URL": url, "COLUMNS": "400", "ONECAST_INBOUND_SMTP_ENABLED": "true",
           "ONECAST_INBOUND_SMTP_PORT": str(smtp_port), "ONECAST_INBOUND_SMTP_HOSTNAME": "mx.onecast.test"}
    proc = subprocess.Popen([sys.executable, "-m", "onecast.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    key = space = None
    lines = []
    while not (key and space and any("listening on" in line for line in lines)):
        line = proc.stdout.readline()
        if not line:
            raise AssertionError("serve exited:\n" + "".join(lines))
        lines.append(line)
        if m := re.search(r"Created API space\s+(\S+)", line):
            space = m.group(1)
        if m := re.search(r"(onecast_[A-Za-z0-9_-]{20,})", line):
            key = m.group(1)
    return proc, space, key


def test_serve_sends_email_and_receives_mail(tmp_path):
    peer = SmtpPeer().start()
    port, smtp_port = free_port(), free_port()
    proc, space, key = start_serve(f"sqlite:///{tmp_path}/serve.db", port, smtp_port)
    try:
        api = httpx.Client(base_url=f"http://127.0.0.1:{port}/apispaces/{space}",
                           headers={"Authorization": f"Bearer {key}"}, timeout=10)
        wait_for(lambda: _reachable(api), "the API")
        r = api.post("/channels", json={"id": "email", "type": "email", "provider": "email_smtp", "config": {
            "host": peer.host, "port": peer.port, "security": "none", "fromAddress": "hello@serve.test",
            "inboundAddresses": ["support@serve.test"]}})
        assert r.status_code == 201, r.text
        r = api.post("/messages", json={"to": {"profileId": "zoe", "email": "zoe@example.com"}, "title": "Welcome",
                                        "body": "Hi Zoe", "rules": ["email"]})
        assert r.status_code == 201, r.text
        mid = r.json()["messageId"]
        wait_for(lambda: api.get(f"/messages/{mid}").json()["status"] == "sent", "the message to be sent")
        (received,) = peer.received
        assert received.message["Subject"] == "Welcome" and received.message["Message-ID"] == f"<{mid}@serve.test>"

        # the worker process also listens for mail: Zoe's reply lands on her profile
        def reply() -> None:
            wait_for(lambda: _smtp_up(smtp_port), "the inbound SMTP listener")
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
                client.send_message(mail("zoe@example.com", "support@serve.test", "Re: Welcome", text="Thanks",
                                         In_Reply_To=f"<{mid}@serve.test>"))
        reply()
        history = api.get("/profiles/zoe/messages").json()
        assert [(h["direction"], h["message"]["body"].strip()) for h in history] == \
            [("inbound", "Thanks"), ("outbound", "Hi Zoe")]
    finally:
        proc.terminate()
        proc.wait(20)
        peer.stop()


def _reachable(api: httpx.Client) -> bool:
    try:
        return api.get("/channels").status_code == 200
    except httpx.HTTPError:
        return False


def _smtp_up(port: int) -> bool:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=2) as client:
            return client.noop()[0] == 250
    except OSError:
        return False
