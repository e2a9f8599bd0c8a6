"""A few SMTP connections per channel, kept open between sends: the connect, TLS handshake and
AUTH are paid once per connection instead of once per message."""
from __future__ import annotations

import asyncio
import time
from email.message import EmailMessage

import aiosmtplib

from onecast.channels.email_smtp.config import SmtpConfig

# An idle connection is checked with NOOP before reuse (servers drop idle clients), and one
# idle for longer than MAX_IDLE_SECONDS is closed instead (most servers time out after 60-300 s).
CHECK_AFTER_IDLE_SECONDS = 2.0
MAX_IDLE_SECONDS = 50.0


class SmtpPool:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._slots = asyncio.Semaphore(config.pool_size)
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []
        self.connections_opened = 0

    def _client(self) -> aiosmtplib.SMTP:
        c = self.config
        return aiosmtplib.SMTP(
            hostname=c.host, port=c.port, username=c.username, password=c.password, timeout=c.timeout,
            use_tls=c.security == "tls", start_tls=c.security == "starttls", tls_context=c.tls_context(),
            local_hostname=c.ehlo_name,
        )

    async def _connect(self) -> aiosmtplib.SMTP:
        client = self._client()
        await client.connect()  # EHLO, STARTTLS and AUTH as configured
        self.connections_opened += 1
        return client

    @staticmethod
    async def _drop(client: aiosmtplib.SMTP) -> None:
        try:
            client.close()
        except Exception:  # already gone
            pass

    async def _usable(self, client: aiosmtplib.SMTP, idle_since: float) -> bool:
        idle = time.monotonic() - idle_since
        if not client.is_connected or idle > MAX_IDLE_SECONDS:
            return False
        if idle > CHECK_AFTER_IDLE_SECONDS:
            try:
                await client.noop()
            except (aiosmtplib.SMTPException, OSError):
                return False
        return True

    async def _take(self) -> aiosmtplib.SMTP:
        while self._idle:
            client, idle_since = self._idle.pop()
            if await self._usable(client, idle_since):
                return client
            await self._drop(client)
        return await self._connect()

    async def send(self, email: EmailMessage, sender: str, recipients: list[str]) -> str:
        """Hand the message over; returns the server's answer to DATA. A connection the server
        closed or left in doubt is dropped; one that answered a refusal is kept (the library
        resets the envelope)."""
        async with self._slots:
            client = await self._take()
            try:
                _errors, response = await client.send_message(email, sender=sender, recipients=recipients)
            except aiosmtplib.SMTPResponseException as exc:
                if exc.code == 421 or not client.is_connected:
                    await self._drop(client)
                else:
                    self._idle.append((client, time.monotonic()))
                raise
            except aiosmtplib.SMTPRecipientsRefused:
                self._idle.append((client, time.monotonic()))
                raise
            except BaseException:
                await self._drop(client)
                raise
            self._idle.append((client, time.monotonic()))
            return response

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client, _since in idle:
            try:
                await asyncio.wait_for(client.quit(), 5)
            except Exception:  # the server may be gone already
                await self._drop(client)
