"""The inbound SMTP listener on the test's event loop, and smtplib (in a thread) to write to it."""
from __future__ import annotations

import asyncio
import dataclasses
import smtplib
from email.message import EmailMessage

import pytest

from onecast.inbound_email.listener import start_listener
from tests.peers.smtp_server import free_port


@dataclasses.dataclass
class Mailer:
    host: str
    port: int

    async def send(self, message: EmailMessage, *, sender: str | None = None,
                   recipients: list[str] | None = None) -> dict:
        """Send with smtplib (blocking, so in a thread); returns smtplib's refused recipients."""
        def run() -> dict:
            with smtplib.SMTP(self.host, self.port, timeout=30) as client:
                return client.send_message(message, from_addr=sender, to_addrs=recipients)
        return await asyncio.to_thread(run)

    async def send_raw(self, sender: str, recipients: list[str], raw: bytes) -> dict:
        def run() -> dict:
            with smtplib.SMTP(self.host, self.port, timeout=30) as client:
                return client.sendmail(sender, recipients, raw)
        return await asyncio.to_thread(run)


@pytest.fixture
async def mailer(app, settings):
    listening = dataclasses.replace(settings, inbound_smtp_enabled=True, inbound_smtp_port=free_port(),
                                    inbound_smtp_hostname="mx.onecast.test")
    server = await start_listener(app.state.db, listening)
    yield Mailer(listening.inbound_smtp_host, listening.inbound_smtp_port)
    server.close()
    await server.wait_closed()


def mail(sender: str, to: str, subject: str | None, text: str | None = None, html: str | None = None,
         **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if subject is not None:
        message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    return message
